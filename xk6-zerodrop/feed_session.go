package zerodrop

import (
	"math"
	"time"

	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER: past it, seq + 1 can equal seq in a float64,
// and a frame JavaScript calls a repeat would pass as the next one.
const maxSafeInteger = 1<<53 - 1

// Latency histogram buckets, as validator/run/per-second.ts latencyBucket computes them: bucketsPerDoubling
// per doubling, clamped to [lowestBucket, highestBucket]. Go's math is what sobek's Math.log2 and
// Math.ceil call, so both sides agree to the bit.
const (
	bucketsPerDoubling = 8
	lowestBucket       = -32
	highestBucket      = 200
)

func latencyBucket(ms float64) int {
	if !(ms > 0) {
		return lowestBucket
	}
	b := math.Ceil(bucketsPerDoubling * math.Log2(ms))
	return int(math.Max(lowestBucket, math.Min(highestBucket, b)))
}

// A feedCounts is what a VU's WebSocket sessions share: the feed reader, the latency metric their
// samples go to, how long a message may have waited before its user gives up (validator/users/ws-user.ts
// giveUpAfterMs), and the longest wait of a message counted here since the lag monitor last took it.
type feedCounts struct {
	spec     feedSpec
	vu       modules.VU
	latency  *metrics.Metric
	giveUpMs float64
	wait     float64
}

// A countedSecond is one second's messages or responses by the pod and color that served them, and
// their latency histogram (bucket → how many).
type countedSecond struct {
	second  int64
	counts  map[[2]string]int
	buckets map[int]int
}

// countSecond is the count of an epoch second in seconds: nearly every message counts into the last one.
func countSecond(seconds *[]countedSecond, epochSecond int64) *countedSecond {
	if n := len(*seconds); n > 0 && (*seconds)[n-1].second == epochSecond {
		return &(*seconds)[n-1]
	}
	*seconds = append(*seconds, countedSecond{second: epochSecond, counts: map[[2]string]int{}, buckets: map[int]int{}})
	return &(*seconds)[len(*seconds)-1]
}

// A feedSession counts one WebSocket session's feed frames in Go while it is armed: until the time its
// phase or the run's end may change (until, epoch ms), each plain frame that comes next in the sequence
// and did not wait past the give-up time is counted here, with its latency sample pushed under the
// attribution it was armed with. Every other message is the JavaScript user's, which first takes what was
// counted here, so it sees each message in the order it came.
type feedSession struct {
	counts  *feedCounts
	armed   bool
	until   int64
	hasLast bool
	lastSeq float64
	// The attribution armed with, and the latency samples' tags built from it and the VU's tags.
	phase, pod, color string
	tags              metrics.TagsAndMeta
	// Counted since the last take.
	counted     int
	lastFrameAt float64
	lastText    string
	seconds     []countedSecond
}

// arm lets the session count in Go until `until` (epoch ms; noLimit for none), continuing the sequence
// after lastSeq (hasLast false: the session's first frame starts it), attributed to phase, pod and color:
// the tags JavaScript's zd_feed_latency_ms.add(latency, {phase, pod, color}) would give a sample.
func (s *feedSession) arm(until int64, lastSeq float64, hasLast bool, phase, pod, color string) error {
	state := s.counts.vu.State()
	if state == nil {
		return errNoState
	}
	if !s.armed || phase != s.phase || pod != s.pod || color != s.color {
		tags := state.Tags.GetCurrentValues()
		tags.SetTag("phase", phase)
		tags.SetTag("pod", pod)
		tags.SetTag("color", color)
		s.tags, s.phase, s.pod, s.color = tags, phase, pod, color
	}
	s.armed, s.until, s.lastSeq, s.hasLast = true, until, lastSeq, hasLast
	return nil
}

// count takes one message if it is the session's to count: armed, before until, a plain feed frame
// that comes next, not waited past the give-up time. frameAt is when k6 read it (ms, fractional;
// hasFrameAt false: now). It reports whether the message was counted.
func (s *feedSession) count(text string, frameAt float64, hasFrameAt bool, now time.Time) bool {
	if !s.armed {
		return false
	}
	nowMs := now.UnixMilli()
	if nowMs >= s.until {
		return false
	}
	if !hasFrameAt {
		frameAt = float64(nowMs)
	}
	waited := float64(nowMs) - frameAt
	if waited >= s.counts.giveUpMs {
		return false
	}
	feed, ok := s.counts.spec.read(text)
	if !ok || math.Abs(feed.seq) > maxSafeInteger || (s.hasLast && feed.seq != s.lastSeq+1) {
		return false
	}
	s.lastSeq, s.hasLast = feed.seq, true
	s.counted++
	s.lastFrameAt, s.lastText = frameAt, text
	if waited > s.counts.wait {
		s.counts.wait = waited
	}
	second := countSecond(&s.seconds, nowMs/1000)
	second.counts[[2]string{s.pod, s.color}]++
	if feed.hasTs {
		latency := float64(nowMs) - feed.ts
		second.buckets[latencyBucket(latency)]++
		s.push(latency, now)
	}
	return true
}

// push adds one latency sample, as the k6/metrics Trend's add does (k6's own PushIfNotDone: none once
// the VU's context is done).
func (s *feedSession) push(latency float64, now time.Time) {
	state := s.counts.vu.State()
	if state == nil {
		return
	}
	metrics.PushIfNotDone(s.counts.vu.Context(), state.Samples, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: s.counts.latency, Tags: s.tags.Tags},
		Time:       now,
		Metadata:   s.tags.Metadata,
		Value:      latency,
	})
}

// A feedTaken is what a session counted since the last take.
type feedTaken struct {
	counted     int
	lastSeq     float64
	lastFrameAt float64
	lastText    string
	seconds     []countedSecond
}

// take hands over what was counted since the last take and forgets it; ok false when nothing was.
func (s *feedSession) take() (feedTaken, bool) {
	if s.counted == 0 {
		return feedTaken{}, false
	}
	taken := feedTaken{
		counted: s.counted, lastSeq: s.lastSeq, lastFrameAt: s.lastFrameAt, lastText: s.lastText, seconds: s.seconds,
	}
	s.counted, s.lastText, s.seconds = 0, "", nil
	return taken, true
}
