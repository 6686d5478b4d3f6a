package zerodrop

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

var errNoState = errors.New("a feed session is armed from VU code, not the init context")

// feedOptions is the constructor's second argument: the Trend the latency samples go to, and how long a
// message may have waited before its user gives up on it (not counted here).
type feedOptions struct {
	latencyMetric any
	giveUpAfterMs float64
}

// number is a JavaScript number as sobek exports it: an int64 when integral, else a float64.
func number(exported any) (float64, bool) {
	switch v := exported.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func newFeedOptions(exported any) (feedOptions, error) {
	options, ok := exported.(map[string]any)
	if !ok {
		return feedOptions{}, fmt.Errorf("%w: options are not an object", errSpec)
	}
	giveUp, ok := number(options["giveUpAfterMs"])
	if !ok {
		return feedOptions{}, fmt.Errorf("%w: giveUpAfterMs is not a number", errSpec)
	}
	return feedOptions{latencyMetric: options["latencyMetric"], giveUpAfterMs: giveUp}, nil
}

// newFeedReader is the JavaScript constructor FeedReader(feed, {latencyMetric, giveUpAfterMs}): read(text)
// returns one reused {seq, ts} object for a plain feed frame (ts null when it carries no publish time) and
// null for every other message; session() a feed session (feed_session.go); take() what the frames its
// sessions counted were served by since the last take (traffic.go), or null; takeWait() and peekWait()
// the longest wait of a message its sessions counted since the last takeWait. A spec, options or metric it
// cannot take throw a TypeError.
func newFeedReader(vu modules.VU, registry *metrics.Registry, call sobek.ConstructorCall) *sobek.Object {
	rt := vu.Runtime()
	counts, err := newFeedCounts(vu, registry, call.Argument(0).Export(), call.Argument(1).Export())
	if err != nil {
		panic(rt.NewTypeError(err.Error()))
	}
	defineFeedReader(rt, call.This, counts)
	return nil
}

func newFeedCounts(vu modules.VU, registry *metrics.Registry, feed, exportedOptions any) (*feedCounts, error) {
	spec, err := newFeedSpec(feed)
	if err != nil {
		return nil, err
	}
	options, err := newFeedOptions(exportedOptions)
	if err != nil {
		return nil, err
	}
	latency, err := registered(registry, options.latencyMetric, metrics.Trend)
	if err != nil {
		return nil, err
	}
	return &feedCounts{spec: spec, vu: vu, latency: latency, giveUpMs: options.giveUpAfterMs}, nil
}

func defineFeedReader(rt *sobek.Runtime, reader *sobek.Object, counts *feedCounts) {
	result := rt.NewObject()
	read := func(call sobek.FunctionCall) sobek.Value {
		text, isString := call.Argument(0).Export().(string)
		if !isString {
			return sobek.Null()
		}
		feed, ok := counts.spec.read(text)
		if !ok {
			return sobek.Null()
		}
		_ = result.Set("seq", feed.seq)
		if feed.hasTs {
			_ = result.Set("ts", feed.ts)
		} else {
			_ = result.Set("ts", sobek.Null())
		}
		return result
	}
	methods := map[string]any{
		"read":     read,
		"session":  func() *sobek.Object { return sessionObject(rt, &feedSession{counts: counts}) },
		"take":     func() sobek.Value { return counts.traffic.takeObject(rt) },
		"peekWait": func() float64 { return counts.wait },
		"takeWait": func() float64 {
			wait := counts.wait
			counts.wait = 0
			return wait
		},
	}
	for name, method := range methods {
		if err := reader.Set(name, method); err != nil {
			panic(rt.NewGoError(err))
		}
	}
}

// noLimit is arm's until when nothing in the timeline lies ahead.
const noLimit = math.MaxInt64

// sessionObject is a feed session as JavaScript calls it: arm(until, lastSeq, phase, pod, color)
// (until and lastSeq may be null), disarm(), count(data, timestamp) and take() (one object, reused by
// every take, or null).
func sessionObject(rt *sobek.Runtime, s *feedSession) *sobek.Object {
	object := rt.NewObject()
	arm := func(call sobek.FunctionCall) sobek.Value {
		until := int64(noLimit)
		if v := call.Argument(0); !sobek.IsNull(v) && !sobek.IsUndefined(v) {
			until = v.ToInteger()
		}
		last := call.Argument(1)
		hasLast := !sobek.IsNull(last) && !sobek.IsUndefined(last)
		err := s.arm(until, last.ToFloat(), hasLast,
			call.Argument(2).String(), call.Argument(3).String(), call.Argument(4).String())
		if err != nil {
			panic(rt.NewGoError(err))
		}
		return sobek.Undefined()
	}
	count := func(call sobek.FunctionCall) sobek.Value {
		text, isString := call.Argument(0).Export().(string)
		if !isString {
			return rt.ToValue(false)
		}
		at := call.Argument(1)
		hasAt := !sobek.IsNull(at) && !sobek.IsUndefined(at)
		return rt.ToValue(s.count(text, at.ToFloat(), hasAt, time.Now()))
	}
	out := rt.NewObject()
	take := func() sobek.Value {
		taken, ok := s.take()
		if !ok {
			return sobek.Null()
		}
		_ = out.Set("count", taken.counted)
		_ = out.Set("lastSeq", taken.lastSeq)
		_ = out.Set("lastFrameAt", taken.lastFrameAt)
		_ = out.Set("lastText", taken.lastText)
		return out
	}
	methods := map[string]any{
		"arm":    arm,
		"disarm": func() { s.armed = false },
		"count":  count,
		"take":   take,
	}
	for name, method := range methods {
		if err := object.Set(name, method); err != nil {
			panic(rt.NewGoError(err))
		}
	}
	return object
}
