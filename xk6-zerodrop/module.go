// Package zerodrop is a k6 extension, imported from JS as "k6/x/zerodrop", for what a run needs from
// its own machine and k6 has no API for: a private report folder (0700, files 0600), the memory the
// machine can give, notes that outlive a VU (the reason setup() stopped, for the reports that
// handleSummary writes in another VU), readings of a Redis hash every VU polls, shared by the VUs
// (readings.go), and a feed frame reader (feed.go) that decodes the WebSocket
// users' commonest message in Go and counts a session's feed frames in sequence without JavaScript
// (feed_session.go, feed_binding.go), and an identity checker (identity.go) that checks and records the
// HTTP users' expected identity responses.
package zerodrop

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

func init() {
	modules.Register("k6/x/zerodrop", new(RootModule))
}

type (
	// RootModule creates the module instance of each VU.
	RootModule struct{}
	// ModuleInstance is the module of one VU.
	ModuleInstance struct {
		vu modules.VU
		// The metrics registry, for the feed sessions' samples: held from the init context, where a
		// module instance is made and the only place k6 hands it out.
		registry *metrics.Registry
	}
)

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}

	notesMu sync.Mutex
	notes   = map[string]string{}
)

// NewModuleInstance implements modules.Module.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	instance := &ModuleInstance{vu: vu}
	if env := vu.InitEnv(); env != nil {
		instance.registry = env.Registry
	}
	return instance
}

// Exports implements modules.Instance.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"privateFolder":   privateFolder,
		"availableMemory": availableMemory,
		"remember":        remember,
		"recall":          recall,
		"sharedReadings": func() *sobek.Object {
			return readingsObject(mi.vu.Runtime())
		},
		"FeedReader": func(call sobek.ConstructorCall) *sobek.Object {
			return newFeedReader(mi.vu, mi.registry, call)
		},
		"IdentityChecker": func(call sobek.ConstructorCall) *sobek.Object {
			return newIdentityChecker(mi.vu, mi.registry, call)
		},
	}}
}

// privateFolder creates path (and its parents) with mode 0700, makes it 0700 if it existed, and sets the
// process umask to 077 so every file k6 writes afterwards (the reports) is 0600. It returns the names
// of the entries already in the folder.
func privateFolder(path string) ([]string, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return nil, err
	}
	restrictUmask()
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// availableMemory is the memory in bytes a new process can still take: MemAvailable, lowered to the
// room left under a cgroup v2 limit; 0 when unknown (not Linux).
func availableMemory() float64 {
	available := meminfo("MemAvailable")
	if limit, ok := cgroupNumber("memory.max"); ok {
		used, _ := cgroupNumber("memory.current")
		if room := limit - used; available == 0 || room < available {
			available = room
		}
	}
	if available < 0 {
		return 0
	}
	return float64(available)
}

func meminfo(field string) int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, rest, ok := strings.Cut(scanner.Text(), ":")
		if !ok || name != field {
			continue
		}
		var kib int64
		if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kib); err == nil {
			return kib * 1024
		}
	}
	return 0
}

func cgroupNumber(file string) (int64, bool) {
	data, err := os.ReadFile("/sys/fs/cgroup/" + file)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n, err == nil
}

// remember keeps a note for the rest of the k6 process, across VUs.
func remember(key, value string) {
	notesMu.Lock()
	defer notesMu.Unlock()
	notes[key] = value
}

// recall returns a note, or "" when none was kept.
func recall(key string) string {
	notesMu.Lock()
	defer notesMu.Unlock()
	return notes[key]
}
