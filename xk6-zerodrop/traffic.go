package zerodrop

import (
	"math"
	"sort"

	"github.com/grafana/sobek"
)

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

// A countedSecond is one second's messages or responses by the pod and color that served them, and
// their latency histogram (bucket → how many).
type countedSecond struct {
	second  int64
	counts  map[[2]string]int
	buckets map[int]int
}

// A podTraffic is what one pod did for a VU's users since the last take (epoch ms; hasNewConnection
// false: no new connection seen).
type podTraffic struct {
	lastServed, lastNewConnection float64
	hasNewConnection              bool
}

// A servedTraffic is what a VU's users were served, recorded in Go for the run's timeline and readiness
// on drain (validator/run/control.ts TrafficRecorder, which takes it at every flush): per-second counts
// by pod and color with their latency histograms, and per pod its last response or frame and its last
// new connection. Pods named "unknown" (no attribution) are left out of the pods' traffic, as
// TrafficRecorder.podServed leaves them out.
type servedTraffic struct {
	seconds []countedSecond
	pods    map[string]*podTraffic
}

// served counts one response or message served by pod and color in the epoch second of nowMs, and its
// latency bucket where it has one.
func (t *servedTraffic) served(nowMs int64, pod, color string, latency float64, hasLatency bool) {
	second := t.second(nowMs / 1000)
	second.counts[[2]string{pod, color}]++
	if hasLatency {
		second.buckets[latencyBucket(latency)]++
	}
}

// second is the count of an epoch second: nearly every call counts into the last one.
func (t *servedTraffic) second(epochSecond int64) *countedSecond {
	if n := len(t.seconds); n > 0 && t.seconds[n-1].second == epochSecond {
		return &t.seconds[n-1]
	}
	t.seconds = append(t.seconds, countedSecond{second: epochSecond, counts: map[[2]string]int{}, buckets: map[int]int{}})
	return &t.seconds[len(t.seconds)-1]
}

// pod records what a pod did: a response or frame served at lastServed, and (hasNewConnection) a new
// connection it accepted at acceptedAt; the latest of each is kept.
func (t *servedTraffic) pod(name string, lastServed float64, acceptedAt float64, hasNewConnection bool) {
	if name == "unknown" {
		return
	}
	if t.pods == nil {
		t.pods = map[string]*podTraffic{}
	}
	pod := t.pods[name]
	if pod == nil {
		pod = &podTraffic{lastServed: lastServed}
		t.pods[name] = pod
	} else if lastServed > pod.lastServed {
		pod.lastServed = lastServed
	}
	if hasNewConnection && (!pod.hasNewConnection || acceptedAt > pod.lastNewConnection) {
		pod.lastNewConnection, pod.hasNewConnection = acceptedAt, true
	}
}

// A trafficTaken is what a take hands over: the seconds in the order they were counted, the pods
// sorted by name with their traffic at the same index.
type trafficTaken struct {
	seconds []countedSecond
	pods    []string
	traffic []podTraffic
}

// take hands over what was recorded since the last take and forgets it; ok false when nothing was.
func (t *servedTraffic) take() (trafficTaken, bool) {
	if len(t.seconds) == 0 && len(t.pods) == 0 {
		return trafficTaken{}, false
	}
	taken := trafficTaken{seconds: t.seconds}
	for name := range t.pods {
		taken.pods = append(taken.pods, name)
	}
	sort.Strings(taken.pods)
	for _, name := range taken.pods {
		taken.traffic = append(taken.traffic, *t.pods[name])
	}
	t.seconds, t.pods = nil, nil
	return taken, true
}

// takeObject is take() as JavaScript's traffic recorder reads it (validator/run/control.ts
// CountedTraffic): {seconds, pods: [[pod, lastServed, lastNewConnection or null], …]}, or null.
func (t *servedTraffic) takeObject(rt *sobek.Runtime) sobek.Value {
	taken, ok := t.take()
	if !ok {
		return sobek.Null()
	}
	rows := make([]any, 0, len(taken.pods))
	for i, pod := range taken.pods {
		var lastNewConnection any
		if taken.traffic[i].hasNewConnection {
			lastNewConnection = taken.traffic[i].lastNewConnection
		}
		rows = append(rows, rt.NewArray(pod, taken.traffic[i].lastServed, lastNewConnection))
	}
	out := rt.NewObject()
	_ = out.Set("seconds", secondsArray(rt, taken.seconds))
	_ = out.Set("pods", rt.NewArray(rows...))
	return out
}

// secondsArray is [[second, [[pod, color, count], …], [[bucket, count], …]], …], in ascending order.
func secondsArray(rt *sobek.Runtime, seconds []countedSecond) *sobek.Object {
	rows := make([]any, 0, len(seconds))
	for _, sc := range seconds {
		served := make([][2]string, 0, len(sc.counts))
		for by := range sc.counts {
			served = append(served, by)
		}
		sort.Slice(served, func(i, j int) bool {
			return served[i][0] < served[j][0] || (served[i][0] == served[j][0] && served[i][1] < served[j][1])
		})
		counts := make([]any, 0, len(served))
		for _, by := range served {
			counts = append(counts, rt.NewArray(by[0], by[1], sc.counts[by]))
		}
		buckets := make([]int, 0, len(sc.buckets))
		for b := range sc.buckets {
			buckets = append(buckets, b)
		}
		sort.Ints(buckets)
		pairs := make([]any, 0, len(buckets))
		for _, b := range buckets {
			pairs = append(pairs, rt.NewArray(b, sc.buckets[b]))
		}
		rows = append(rows, rt.NewArray(sc.second, rt.NewArray(counts...), rt.NewArray(pairs...)))
	}
	return rt.NewArray(rows...)
}
