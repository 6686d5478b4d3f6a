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

// A feedCounts is what a VU's WebSocket sessions share: the feed reader, the latency metric their
// samples go to, how long a message may have waited before its user gives up (validator/users/ws-user.ts
// giveUpAfterMs), the longest wait of a message counted here since the lag monitor last took it, and
// what the frames counted here were served by, for the VU's traffic recorder.
type feedCounts struct {
	spec     feedSpec
	vu       modules.VU
	latency  *metrics.Metric
	giveUpMs float64
	wait     float64
	traffic  servedTraffic
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
	latency := float64(nowMs) - feed.ts
	s.counts.traffic.served(nowMs, s.pod, s.color, latency, feed.hasTs)
	s.counts.traffic.pod(s.pod, frameAt, 0, false)
	if feed.hasTs {
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

// A feedTaken is what a session counted since the last take (what the frames were served by is the
// VU's: feedCounts.traffic).
type feedTaken struct {
	counted     int
	lastSeq     float64
	lastFrameAt float64
	lastText    string
}

// take hands over what was counted since the last take and forgets it; ok false when nothing was.
func (s *feedSession) take() (feedTaken, bool) {
	if s.counted == 0 {
		return feedTaken{}, false
	}
	taken := feedTaken{
		counted: s.counted, lastSeq: s.lastSeq, lastFrameAt: s.lastFrameAt, lastText: s.lastText,
	}
	s.counted, s.lastText = 0, ""
	return taken, true
}
