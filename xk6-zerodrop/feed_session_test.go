package zerodrop

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// A VU as k6 makes one: a runtime with FeedReader, a registry holding the latency Trend (and a Counter
// under another name), then moved to VU code with a scenario tag and a sample channel.
type testVU struct {
	rt      *sobek.Runtime
	samples chan metrics.SampleContainer
	latency *metrics.Metric
	counts  *feedCounts
}

func newVU(t *testing.T) testVU {
	t.Helper()
	runtime := modulestest.NewRuntime(t)
	registry := runtime.VU.InitEnvField.Registry
	latency, err := registry.NewMetric("zd_feed_latency_ms", metrics.Trend, metrics.Time)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.NewMetric("a_counter", metrics.Counter); err != nil {
		t.Fatal(err)
	}
	vu := runtime.VU
	rt := vu.Runtime()
	ctor := func(call sobek.ConstructorCall) *sobek.Object { return newFeedReader(vu, registry, call) }
	if err := rt.Set("FeedReader", ctor); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RunString(`var options = { latencyMetric: 'zd_feed_latency_ms', giveUpAfterMs: 15000 }`); err != nil {
		t.Fatal(err)
	}
	samples := make(chan metrics.SampleContainer, 1000)
	runtime.MoveToVUContext(&lib.State{
		Tags:    lib.NewVUStateTags(registry.RootTagSet().With("scenario", "wsUsers")),
		Samples: samples,
	})
	counts, err := newFeedCounts(vu, registry, referenceFeed, map[string]any{
		"latencyMetric": "zd_feed_latency_ms", "giveUpAfterMs": int64(15000),
	})
	if err != nil {
		t.Fatal(err)
	}
	return testVU{rt: rt, samples: samples, latency: latency, counts: counts}
}

func (k6 testVU) drain() []metrics.Sample {
	var out []metrics.Sample
	for {
		select {
		case c := <-k6.samples:
			out = append(out, c.GetSamples()...)
		default:
			return out
		}
	}
}

func feedFrame(seq int, ts float64) string {
	return fmt.Sprintf(`{"type":"feed","seq":%d,"ts":%v}`, seq, ts)
}

var epoch = time.UnixMilli(1_732_900_000_000)

func TestSessionCountsTheNextFramesOnly(t *testing.T) {
	k6 := newVU(t)
	s := &feedSession{counts: k6.counts}
	at := func(ms int64) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }
	if s.count(feedFrame(1, 0), 0, false, at(0)) {
		t.Fatal("counted while not armed")
	}
	if err := s.arm(epoch.UnixMilli()+5000, 0, false, "baseline", "pod-a", "blue"); err != nil {
		t.Fatal(err)
	}
	nowMs := float64(epoch.UnixMilli())
	steps := []struct {
		what    string
		text    string
		frameAt float64
		at      int64
		want    bool
	}{
		{"the first frame starts the sequence", feedFrame(7, nowMs-12), nowMs - 2, 0, true},
		{"the next one", feedFrame(8, nowMs-10), nowMs, 1, true},
		{"a repeat is JavaScript's", feedFrame(8, nowMs), nowMs, 2, false},
		{"a gap is JavaScript's", feedFrame(10, nowMs), nowMs, 3, false},
		{"an ack is JavaScript's", `{"type":"ack","id":"x"}`, nowMs, 4, false},
		{"a frame that waited past the give-up time", feedFrame(9, nowMs), nowMs - 20_000, 5, false},
		{"the next one, in the next second", feedFrame(9, nowMs+990), nowMs + 1000, 1000, true},
		{"at until the phase may change", feedFrame(10, nowMs), nowMs, 5000, false},
	}
	for _, step := range steps {
		if got := s.count(step.text, step.frameAt, true, at(step.at)); got != step.want {
			t.Errorf("%s: counted %v, want %v", step.what, got, step.want)
		}
	}
	taken, ok := s.take()
	if !ok || taken.counted != 3 || taken.lastSeq != 9 || taken.lastFrameAt != nowMs+1000 ||
		taken.lastText != feedFrame(9, nowMs+990) {
		t.Fatalf("take: %+v, %v", taken, ok)
	}
	// What served the frames is the VU's, for its traffic recorder: per second, and the pod's last frame.
	served, ok := k6.counts.traffic.take()
	second := epoch.UnixMilli() / 1000
	armed := [2]string{"pod-a", "blue"}
	if !ok || len(served.seconds) != 2 || served.seconds[0].second != second || served.seconds[0].counts[armed] != 2 ||
		served.seconds[1].second != second+1 || served.seconds[1].counts[armed] != 1 {
		t.Fatalf("seconds: %+v", served.seconds)
	}
	// Latencies 12, 11 (then 10): buckets ceil(8·log2(ms)).
	if b := served.seconds[0].buckets; b[latencyBucket(12)] != 1 || b[latencyBucket(11)] != 1 || len(b) != 2 {
		t.Errorf("buckets of the first second: %v", b)
	}
	if fmt.Sprint(served.pods) != "[pod-a]" || served.traffic[0] != (podTraffic{lastServed: nowMs + 1000}) {
		t.Errorf("pods %v %+v: pod-a, last served when k6 read the last frame", served.pods, served.traffic)
	}
	if k6.counts.wait != 2 {
		t.Errorf("longest wait %v, want 2", k6.counts.wait)
	}
	if _, again := s.take(); again {
		t.Error("a second take handed the same messages over again")
	}
	samples := k6.drain()
	if len(samples) != 3 {
		t.Fatalf("%d samples, want 3", len(samples))
	}
	want := map[string]string{"scenario": "wsUsers", "phase": "baseline", "pod": "pod-a", "color": "blue"}
	for i, sample := range samples {
		if sample.Metric != k6.latency || fmt.Sprint(sample.Tags.Map()) != fmt.Sprint(want) {
			t.Errorf("sample %d: %s %v", i, sample.Metric.Name, sample.Tags.Map())
		}
	}
	if samples[0].Value != 12 || samples[1].Value != 11 || samples[2].Value != 10 {
		t.Errorf("latencies %v %v %v, want 12 11 10", samples[0].Value, samples[1].Value, samples[2].Value)
	}
	// Armed again elsewhere in the sequence, under a new attribution.
	if err := s.arm(noLimit, 41, true, "rollout", "pod-b", "green"); err != nil {
		t.Fatal(err)
	}
	if s.count(feedFrame(10, nowMs), nowMs, true, at(6000)) || !s.count(feedFrame(42, nowMs), 0, false, at(6000)) {
		t.Error("did not continue after the sequence number it was armed with")
	}
	if got := k6.drain()[0].Tags.Map()["phase"]; got != "rollout" {
		t.Errorf("phase tag %q after arming for the rollout", got)
	}
}

func TestSessionLeavesUnsafeSequenceNumbersToJavaScript(t *testing.T) {
	k6 := newVU(t)
	s := &feedSession{counts: k6.counts}
	if err := s.arm(noLimit, math.Pow(2, 53), true, "baseline", "p", "c"); err != nil {
		t.Fatal(err)
	}
	// 2^53 + 1 reads as 2^53 in a float64, which JavaScript calls a repeat.
	if s.count(`{"type":"feed","seq":9007199254740993}`, 0, false, epoch) {
		t.Error("counted a sequence number past Number.MAX_SAFE_INTEGER")
	}
}

func TestSessionRefusesInitContext(t *testing.T) {
	runtime := modulestest.NewRuntime(t)
	counts := &feedCounts{spec: feedSpec{}, vu: runtime.VU}
	if err := (&feedSession{counts: counts}).arm(noLimit, 0, false, "baseline", "p", "c"); err == nil {
		t.Error("armed in the init context")
	}
}

// latencyBucket against values validator/run/per-second.ts gives (node: Math.ceil(8 * Math.log2(ms)),
// clamped to [-32, 200]).
func TestLatencyBucketAsJavaScript(t *testing.T) {
	for ms, want := range map[float64]int{
		0: -32, -5: -32, 0.001: -32, 0.5: -8, 1: 0, 1.5: 5, 2: 8, 12: 29, 1000: 80, 1e300: 200,
	} {
		if got := latencyBucket(ms); got != want {
			t.Errorf("latencyBucket(%v) = %d, want %d", ms, got, want)
		}
	}
	if got := latencyBucket(math.NaN()); got != -32 {
		t.Errorf("latencyBucket(NaN) = %d", got)
	}
}

// The session as the WebSocket users call it.
func TestFeedSessionFromJavaScript(t *testing.T) {
	k6 := newVU(t)
	value, err := k6.rt.RunString(`
		const reader = new FeedReader({ match: { type: 'feed' }, seq: 'seq', publishedAt: 'ts' }, options);
		const session = reader.session();
		const now = Date.now();
		session.arm(null, null, 'baseline', 'pod-a', 'blue');
		const counted = [
			session.count('{"type":"feed","seq":1,"ts":' + now + '}', now - 3),
			session.count('{"type":"feed","seq":2}', undefined),
			session.count('{"type":"feed","seq":4}', undefined),
			session.count(new ArrayBuffer(2), undefined),
		];
		const taken = session.take();
		const waits = [reader.peekWait() >= 3, reader.takeWait() >= 3, reader.peekWait()];
		session.disarm();
		const afterDisarm = session.count('{"type":"feed","seq":3}', undefined);
		const served = reader.take();
		JSON.stringify([counted, taken.count, taken.lastSeq, taken.lastText, Array.isArray(served.seconds),
			served.seconds.reduce((n, s) => n + s[1][0][2], 0), served.seconds[0][1][0].slice(0, 2),
			served.pods.map((p) => [p[0], p[2]]), session.take(), reader.take(), waits, afterDisarm]);
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := `[[true,true,false,false],2,2,"{\"type\":\"feed\",\"seq\":2}",true,2,["pod-a","blue"],[["pod-a",null]],null,null,[true,true,0],false]`
	if got := value.String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
