package zerodrop

import "testing"

// The reference service's feed spec (validator/profile/builtin/reference.ts), as JavaScript exports it.
var referenceFeed = map[string]any{
	"match":       map[string]any{"type": "feed"},
	"seq":         "seq",
	"publishedAt": "ts",
}

func mustSpec(t *testing.T, exported map[string]any) feedSpec {
	t.Helper()
	spec, err := newFeedSpec(exported)
	if err != nil {
		t.Fatalf("newFeedSpec: %v", err)
	}
	return spec
}

func TestReadPlainFeedFrames(t *testing.T) {
	spec := mustSpec(t, referenceFeed)
	cases := []struct {
		text  string
		seq   float64
		ts    float64
		hasTs bool
	}{
		{`{"type":"feed","id":"1-0","seq":7,"cid":null,"ts":1732900000000}`, 7, 1732900000000, true},
		{` {"ts": 5, "seq": 0, "type": "feed"} `, 0, 5, true},
		{`{"type":"feed","seq":-3,"ts":1.5}`, -3, 1.5, true},
		{`{"type":"feed","seq":1e3}`, 1000, 0, false},
		// JavaScript's number() makes no time of null, booleans, objects or a missing field.
		{`{"type":"feed","seq":2,"ts":null}`, 2, 0, false},
		{`{"type":"feed","seq":2,"ts":true}`, 2, 0, false},
		{`{"type":"feed","seq":2,"ts":{"at":1}}`, 2, 0, false},
		// The last of two equal keys counts, as in JSON.parse.
		{`{"type":"other","type":"feed","seq":1,"seq":9}`, 9, 0, false},
	}
	for _, c := range cases {
		got, ok := spec.read(c.text)
		if !ok {
			t.Errorf("%s: not read as a plain feed frame", c.text)
			continue
		}
		if got.seq != c.seq || got.hasTs != c.hasTs || (c.hasTs && got.ts != c.ts) {
			t.Errorf("%s: got %+v, want seq %v ts %v (%v)", c.text, got, c.seq, c.ts, c.hasTs)
		}
	}
}

func TestLeavesEverythingElseToJavaScript(t *testing.T) {
	spec := mustSpec(t, referenceFeed)
	for _, text := range []string{
		``,
		`not json`,
		`null`,
		`[{"type":"feed","seq":1}]`,
		`{"type":"feed","seq":1} trailing`,
		`{"type":"ack","id":"c1","status":"applied"}`,
		`{"type":"hello","user":"u1"}`,
		`{"seq":1}`,
		`{"type":null,"seq":1}`,
		`{"type":"feed"}`,
		`{"type":"feed","seq":1.5}`,
		`{"type":"feed","seq":"12"}`,
		`{"type":"feed","seq":null}`,
		`{"type":"feed","seq":1,"ts":"1732900000000"}`,
		`{"type":"feed","seq":1e400}`,
		`{"type":"fe\u0065d","seq":1}`,
		"{\"type\":\"feed\",\"seq\":1,\"x\":\"\xff\"}",
	} {
		if got, ok := spec.read(text); ok {
			t.Errorf("%q read as a plain feed frame (%+v): JavaScript must decide it", text, got)
		}
	}
}

func TestNestedPathsAndScalarMatchers(t *testing.T) {
	spec := mustSpec(t, map[string]any{
		"match": map[string]any{"event.kind": "tick", "v": int64(2), "live": true, "gap": nil},
		"seq":   "event.n",
	})
	if got, ok := spec.read(`{"event":{"kind":"tick","n":4},"v":2.0,"live":true,"gap":null}`); !ok || got.seq != 4 || got.hasTs {
		t.Errorf("nested frame: got %+v, %v", got, ok)
	}
	for _, text := range []string{
		`{"event":{"kind":"tick","n":4},"v":2,"live":true}`,              // gap missing: undefined is not null
		`{"event":{"kind":"tick","n":4},"v":"2","live":true,"gap":null}`, // "2" is not 2
		`{"event":[{"kind":"tick"}],"v":2,"live":true,"gap":null}`,       // an array on the way
		`{"event":"tick","v":2,"live":true,"gap":null}`,                  // a string on the way: undefined
	} {
		if got, ok := spec.read(text); ok {
			t.Errorf("%s read as a plain feed frame (%+v)", text, got)
		}
	}
	never := mustSpec(t, map[string]any{"match": map[string]any{"type": map[string]any{"is": "feed"}}, "seq": "seq"})
	if _, ok := never.read(`{"type":{"is":"feed"},"seq":1}`); ok {
		t.Error("an object matcher matched: JavaScript's !== never takes one")
	}
	emptyTs := mustSpec(t, map[string]any{"match": map[string]any{"type": "feed"}, "seq": "seq", "publishedAt": ""})
	if got, ok := emptyTs.read(`{"type":"feed","seq":1,"":5}`); !ok || got.hasTs {
		t.Errorf("an empty publishedAt read a time: %+v, %v", got, ok)
	}
}

func TestRefusesSpecsItCannotRead(t *testing.T) {
	for _, exported := range []any{
		nil,
		"feed",
		map[string]any{"match": map[string]any{"type": "feed"}},
		map[string]any{"seq": "seq"},
		map[string]any{"match": map[string]any{}, "seq": "seq", "publishedAt": int64(3)},
	} {
		if _, err := newFeedSpec(exported); err == nil {
			t.Errorf("%v: accepted", exported)
		}
	}
}

// The constructor as k6 scripts call it: one reused result object, null for what JavaScript decides.
func TestFeedReaderFromJavaScript(t *testing.T) {
	k6 := newVU(t)
	value, err := k6.rt.RunString(`
		const reader = new FeedReader({ match: { type: 'feed' }, seq: 'seq', publishedAt: 'ts' }, options);
		const a = reader.read('{"type":"feed","seq":1,"ts":10}');
		const first = [a.seq, a.ts];
		const b = reader.read('{"type":"feed","seq":2}');
		JSON.stringify([first, a === b, b.seq, b.ts, reader.read('{"type":"ack"}'), reader.read(42)]);
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := value.String(), `[[1,10],true,2,null,null,null]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, script := range []string{
		`new FeedReader({ seq: 'seq' }, options)`,
		`new FeedReader({ match: {}, seq: 'seq' })`,
		`new FeedReader({ match: {}, seq: 'seq' }, { latencyMetric: 'zd_feed_latency_ms' })`,
		`new FeedReader({ match: {}, seq: 'seq' }, { latencyMetric: 'nothing_such', giveUpAfterMs: 1 })`,
		`new FeedReader({ match: {}, seq: 'seq' }, { latencyMetric: 'a_counter', giveUpAfterMs: 1 })`,
	} {
		if _, err := k6.rt.RunString(script); err == nil {
			t.Errorf("%s: accepted", script)
		}
	}
}
