package zerodrop

import (
	"sync"
	"testing"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/modulestest"
)

// fieldsOf is readingOf's map, nil when none is kept.
func fieldsOf(key string) map[string]string {
	fields, _ := readingOf(key).(map[string]string)
	return fields
}

func TestReadingKeepsTheNewest(t *testing.T) {
	key := t.Name()
	if at, fields := readingAt(key), readingOf(key); at != 0 || fields != nil {
		t.Fatalf("none kept: got %v %v", at, fields)
	}
	keepReading(key, 100, map[string]string{"endAt": "1"})
	keepReading(key, 90, map[string]string{"endAt": "older"})
	keepReading(key, 100, map[string]string{"endAt": "same time"})
	if at, fields := readingAt(key), fieldsOf(key); at != 100 || fields["endAt"] != "1" {
		t.Fatalf("an older or equal reading replaced the kept one: %v %v", at, fields)
	}
	keepReading(key, 150, map[string]string{"rolloutStart": "7"})
	if at, fields := readingAt(key), fieldsOf(key); at != 150 || len(fields) != 1 || fields["rolloutStart"] != "7" {
		t.Fatalf("a newer reading was not kept whole: %v %v", at, fields)
	}
	if readingAt(key+"-other") != 0 {
		t.Fatal("a reading is kept under its own key only")
	}
}

func TestReadingIsACopyEachWay(t *testing.T) {
	key := t.Name()
	given := map[string]string{"endAt": "1"}
	keepReading(key, 1, given)
	given["endAt"] = "changed after keeping"
	handed := fieldsOf(key)
	handed["endAt"] = "changed by a VU"
	if got := fieldsOf(key)["endAt"]; got != "1" {
		t.Fatalf("the kept reading changed with a map it was given or handed: %q", got)
	}
}

func TestReadingsAcrossGoroutines(t *testing.T) {
	key := t.Name()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				keepReading(key, float64(i*8+g), map[string]string{"at": "x"})
				_ = fieldsOf(key)["at"]
				_ = readingAt(key)
			}
		})
	}
	wg.Wait()
	if at := readingAt(key); at != 199*8+7 {
		t.Fatalf("the newest reading is not the one kept: %v", at)
	}
}

func TestReadingFromJavaScript(t *testing.T) {
	rt := modulestest.NewRuntime(t).VU.Runtime()
	if err := rt.Set("sharedReadings", func() *sobek.Object { return readingsObject(rt) }); err != nil {
		t.Fatal(err)
	}
	value, err := rt.RunString(`
		const { keepReading, readingAt, reading } = sharedReadings();
		const key = 'zdrun:js:timeline';
		const before = [readingAt(key), reading(key)];
		keepReading(key, 1733000000123, { rolloutStart: '1733000000000', endAt: '1733000060000' });
		const r = reading(key);
		r.endAt = 'written by this VU';
		JSON.stringify([before, readingAt(key), r.rolloutStart, r.rolloutEnd === undefined,
			reading(key).endAt, reading('zdrun:none:timeline')]);
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := `[[0,null],1733000000123,"1733000000000",true,"1733000060000",null]`
	if got := value.String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
