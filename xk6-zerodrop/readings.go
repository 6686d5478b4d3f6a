package zerodrop

import (
	"maps"
	"sync"

	"github.com/grafana/sobek"
)

// Readings of a Redis hash that every VU of the k6 process polls (the run's timeline, read again twice a
// second by each VU): the VU that read it last keeps its reading here, and the others take that one while
// it is recent enough instead of asking Redis again. Twenty VUs each reading the timeline were forty
// commands a second on the store under test, each a promise chain in a VU; shared, about two. A reading
// is one hash's fields as the VU read them and when it read them (epoch ms); the newest kept wins.

type reading struct {
	at     float64
	fields map[string]string
}

var (
	readingsMu sync.Mutex
	readings   = map[string]reading{}
)

// keepReading keeps fields as key's reading taken at `at` (epoch ms), unless one taken later is kept.
func keepReading(key string, at float64, fields map[string]string) {
	readingsMu.Lock()
	defer readingsMu.Unlock()
	if kept, ok := readings[key]; ok && kept.at >= at {
		return
	}
	readings[key] = reading{at: at, fields: maps.Clone(fields)}
}

// readingAt is when key's kept reading was taken (epoch ms); 0 when none is kept.
func readingAt(key string) float64 {
	readingsMu.Lock()
	defer readingsMu.Unlock()
	return readings[key].at
}

// readingOf is a copy of the fields of key's kept reading (each VU its own: JavaScript may write into
// what it is handed), or nil when none is kept. JavaScript gets null then, not an empty object: any(nil).
func readingOf(key string) any {
	readingsMu.Lock()
	defer readingsMu.Unlock()
	kept, ok := readings[key]
	if !ok {
		return nil
	}
	return maps.Clone(kept.fields)
}

// readingsObject is the readings as JavaScript calls them: keepReading(key, at, fields), readingAt(key)
// and reading(key). Made when a VU asks for it: every export of a module costs each VU that imports the
// module a function object, used or not.
func readingsObject(rt *sobek.Runtime) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("keepReading", keepReading)
	_ = o.Set("readingAt", readingAt)
	_ = o.Set("reading", readingOf)
	return o
}
