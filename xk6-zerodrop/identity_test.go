package zerodrop

import (
	"fmt"
	"testing"
	"time"

	"github.com/grafana/sobek"
	k6http "go.k6.io/k6/v2/js/modules/k6/http"
	"go.k6.io/k6/v2/lib/netext/httpext"
	"go.k6.io/k6/v2/metrics"
)

// The reference service's http section (validator/profile/builtin/reference.ts), as JavaScript exports it.
var referenceHTTP = map[string]any{
	"identity":             map[string]any{"path": "/api/me", "user": "user", "sessionId": "sessionId"},
	"unauthorizedStatuses": []any{int64(401)},
	"attribution": map[string]any{
		"pod": map[string]any{"header": "X-Pod"}, "color": map[string]any{"header": "x-color"},
		"version": map[string]any{"header": "X-Version"},
	},
}

// express-ws's: the user in a nested field, no session id, the pod in a header, no color.
var expressHTTP = map[string]any{
	"identity":             map[string]any{"path": "/api/profile", "user": "user.name"},
	"unauthorizedStatuses": []any{int64(401), int64(403)},
	"attribution":          map[string]any{"pod": map[string]any{"header": "X-Served-By"}},
}

func mustIdentitySpec(t *testing.T, exported map[string]any) identitySpec {
	t.Helper()
	spec, err := newIdentitySpec(exported)
	if err != nil {
		t.Fatalf("newIdentitySpec: %v", err)
	}
	return spec
}

func response(status int, headers map[string]string, body any) *httpext.Response {
	r := httpext.NewResponse()
	r.Status = status
	for k, v := range headers {
		r.Headers[k] = v
	}
	r.Body = body
	return r
}

var served = map[string]string{"X-Pod": "pod-a", "X-Color": "blue"}

func TestIdentityCheckTakesTheExpectedResponseOnly(t *testing.T) {
	spec := mustIdentitySpec(t, referenceHTTP)
	sid := "s-1"
	other := "s-2"
	expected := `{"user":"zd-h1","sessionId":"s-1","pod":"ignored"}`
	cases := []struct {
		what      string
		r         *httpext.Response
		user      string
		sessionID *string
		want      bool
	}{
		{"the expected response", response(200, served, expected), "zd-h1", &sid, true},
		{"another 2xx", response(204, served, expected), "zd-h1", &sid, true},
		{"another user", response(200, served, expected), "zd-h2", &sid, false},
		{"another session id", response(200, served, expected), "zd-h1", &other, false},
		{"no session id known yet", response(200, served, expected), "zd-h1", nil, false},
		{"not authenticated", response(401, served, expected), "zd-h1", &sid, false},
		{"a 5xx", response(503, served, expected), "zd-h1", &sid, false},
		{"a connection error", response(0, nil, nil), "zd-h1", &sid, false},
		{"a new cookie", response(200, map[string]string{"Set-Cookie": "sid=x"}, expected), "zd-h1", &sid, false},
		{"no user named", response(200, served, `{"sessionId":"s-1"}`), "zd-h1", &sid, false},
		{"a user named by number", response(200, served, `{"user":7,"sessionId":"s-1"}`), "7", &sid, false},
		{"a body that is not JSON", response(200, served, `<html>`), "zd-h1", &sid, false},
		{"an escape", response(200, served, `{"user":"zd-h1","sessionId":"s\u002d1"}`), "zd-h1", &sid, false},
		{"invalid UTF-8", response(200, served, "{\"user\":\"zd-h1\xff\",\"sessionId\":\"s-1\"}"), "zd-h1", &sid, false},
		{"a binary body", response(200, served, []byte(expected)), "zd-h1", &sid, false},
	}
	for _, c := range cases {
		by, ok := spec.check(c.r, c.user, c.sessionID)
		if ok != c.want {
			t.Errorf("%s: checked %v, want %v", c.what, ok, c.want)
		}
		if ok && (by.pod != "pod-a" || by.color != "blue") {
			t.Errorf("%s: served by %+v", c.what, by)
		}
	}
	if _, ok := spec.check(response(200, nil, expected), "zd-h1", &sid); !ok {
		t.Error("a response without attribution headers was not taken (JavaScript attributes it to unknown)")
	} else if by, _ := spec.check(response(200, nil, expected), "zd-h1", &sid); by.pod != "unknown" || by.color != "unknown" {
		t.Errorf("unattributed: %+v", by)
	}
}

func TestIdentityCheckReadsNestedFieldsAndBodyAttribution(t *testing.T) {
	spec := mustIdentitySpec(t, expressHTTP)
	by, ok := spec.check(response(200, map[string]string{"X-Served-By": "web-2"}, `{"user":{"name":"zd-h3"}}`), "zd-h3", nil)
	if !ok || by.pod != "web-2" || by.color != "unknown" {
		t.Errorf("express-ws: %+v, %v", by, ok)
	}
	if _, ok := spec.check(response(200, nil, `{"user":[{"name":"zd-h3"}]}`), "zd-h3", nil); ok {
		t.Error("an array on the user's path was taken (JavaScript indexes arrays)")
	}
	body := mustIdentitySpec(t, map[string]any{
		"identity":             map[string]any{"user": "user"},
		"unauthorizedStatuses": []any{int64(401)},
		"attribution": map[string]any{
			"pod": map[string]any{"body": "served.pod"}, "color": map[string]any{"body": "served.color"},
		},
	})
	for text, want := range map[string]string{
		`{"user":"u","served":{"pod":"p-1","color":null}}`: "p-1/unknown",
		`{"user":"u","served":{"pod":true}}`:               "unknown/unknown",
		`{"user":"u"}`:                                     "unknown/unknown",
		`{"user":"u","served":{"pod":3}}`:                  "JavaScript's",
		`{"user":"u","served":[{"pod":"p"}]}`:              "JavaScript's",
	} {
		by, ok := body.check(response(200, nil, text), "u", nil)
		got := "JavaScript's"
		if ok {
			got = by.pod + "/" + by.color
		}
		if got != want {
			t.Errorf("%s: %s, want %s", text, got, want)
		}
	}
}

func TestIdentitySpecRefusesWhatItCannotRead(t *testing.T) {
	for _, exported := range []any{
		nil,
		map[string]any{"identity": map[string]any{}, "unauthorizedStatuses": []any{}},
		map[string]any{"identity": map[string]any{"user": "user"}},
		map[string]any{"identity": map[string]any{"user": "user", "sessionId": int64(1)}, "unauthorizedStatuses": []any{}},
		map[string]any{"identity": map[string]any{"user": "user"}, "unauthorizedStatuses": []any{"401"}},
		map[string]any{
			"identity": map[string]any{"user": "user"}, "unauthorizedStatuses": []any{},
			"attribution": map[string]any{"pod": map[string]any{}},
		},
	} {
		if _, err := newIdentitySpec(exported); err == nil {
			t.Errorf("%v: accepted", exported)
		}
	}
}

// A VU's identity checks: registered metrics, VU tags, a sample channel.
func newChecks(t *testing.T) (testVU, *identityChecks) {
	t.Helper()
	k6 := newVU(t)
	registry := metrics.NewRegistry()
	requests, _ := registry.NewMetric("zd_requests", metrics.Counter)
	rollout, _ := registry.NewMetric("zd_rollout_phase_samples", metrics.Counter)
	checks := &identityChecks{
		spec: mustIdentitySpec(t, referenceHTTP), vu: k6.counts.vu, requests: requests, rollout: rollout,
	}
	return k6, checks
}

func TestIdentityChecksRecordAsCheckIdentityDoes(t *testing.T) {
	k6, checks := newChecks(t)
	sentAt := float64(epoch.UnixMilli())
	reused := response(200, served, `{"user":"u","sessionId":"s"}`)
	reused.Timings = httpext.ResponseTimings{Duration: 12, Blocked: 1, Sending: 0.5, Waiting: 10}
	fresh := response(200, map[string]string{"X-Pod": "pod-b", "X-Color": "blue"}, `{"user":"u","sessionId":"s"}`)
	fresh.Timings = httpext.ResponseTimings{Duration: 3, Connecting: 2, TLSHandshaking: 0.25, Waiting: 1}
	checks.record(reused, checkedResponse{"pod-a", "blue"}, "baseline", sentAt, epoch)
	checks.record(reused, checkedResponse{"pod-a", "blue"}, "rollout", sentAt+5, epoch.Add(1500*time.Millisecond))
	checks.record(fresh, checkedResponse{"pod-b", "blue"}, "rollout", sentAt+7, epoch.Add(1600*time.Millisecond))
	checks.record(fresh, checkedResponse{"unknown", "unknown"}, "rollout", sentAt, epoch.Add(1700*time.Millisecond))

	samples := k6.drain()
	var requests, rollout []string
	for _, s := range samples {
		tags := s.Tags.Map()
		switch s.Metric.Name {
		case "zd_requests":
			requests = append(requests, fmt.Sprintf("%s/%s/%s/%s/%s=%v", tags["scenario"], tags["phase"], tags["pod"], tags["color"], tags["status"], s.Value))
		case "zd_rollout_phase_samples":
			rollout = append(rollout, fmt.Sprintf("%d tags=%v", len(tags), s.Value))
		}
	}
	wantRequests := []string{
		"wsUsers/baseline/pod-a/blue/200=1", "wsUsers/rollout/pod-a/blue/200=1",
		"wsUsers/rollout/pod-b/blue/200=1", "wsUsers/rollout/unknown/unknown/200=1",
	}
	if fmt.Sprint(requests) != fmt.Sprint(wantRequests) {
		t.Errorf("zd_requests samples %v, want %v", requests, wantRequests)
	}
	if fmt.Sprint(rollout) != "[1 tags=1 1 tags=1 1 tags=1]" {
		t.Errorf("rollout-phase samples %v: one per rollout response, the VU's tags only", rollout)
	}

	taken, ok := checks.traffic.take()
	seconds, pods, traffic := taken.seconds, taken.pods, taken.traffic
	if !ok || len(seconds) != 2 {
		t.Fatalf("take: %v %+v", ok, seconds)
	}
	first, second := seconds[0], seconds[1]
	if first.counts[[2]string{"pod-a", "blue"}] != 1 || first.buckets[latencyBucket(12)] != 1 {
		t.Errorf("first second: %+v", first)
	}
	if second.counts[[2]string{"pod-a", "blue"}] != 1 || second.counts[[2]string{"pod-b", "blue"}] != 1 ||
		second.counts[[2]string{"unknown", "unknown"}] != 1 || second.buckets[latencyBucket(3)] != 2 {
		t.Errorf("second second: %+v", second)
	}
	// pod-a: reused connections, last served at sentAt + 5 + 1 (blocked) + 0.5 + 10; pod-b: a new
	// connection accepted at sentAt + 7 + 2 + 0.25, served 1 ms later. The unknown pod is left out.
	if fmt.Sprint(pods) != "[pod-a pod-b]" ||
		traffic[0] != (podTraffic{lastServed: sentAt + 16.5}) ||
		traffic[1] != (podTraffic{lastServed: sentAt + 10.25, lastNewConnection: sentAt + 9.25, hasNewConnection: true}) {
		t.Errorf("pods %v %+v", pods, traffic)
	}
	if _, again := checks.traffic.take(); again {
		t.Error("a second take handed the same traffic over again")
	}
}

// The checker as the HTTP users call it, on a k6 response.
func TestIdentityCheckerFromJavaScript(t *testing.T) {
	k6 := newVU(t)
	registry := metrics.NewRegistry()
	_, _ = registry.NewMetric("zd_requests", metrics.Counter)
	_, _ = registry.NewMetric("zd_rollout_phase_samples", metrics.Counter)
	_, _ = registry.NewMetric("a_trend", metrics.Trend)
	vu := k6.counts.vu
	ctor := func(call sobek.ConstructorCall) *sobek.Object { return newIdentityChecker(vu, registry, call) }
	if err := k6.rt.Set("IdentityChecker", ctor); err != nil {
		t.Fatal(err)
	}
	ok := response(200, served, `{"user":"u","sessionId":"s"}`)
	ok.Timings.Duration = 4
	for name, r := range map[string]*httpext.Response{"ok": ok, "lost": response(401, served, `{}`)} {
		if err := k6.rt.Set(name, &k6http.Response{Response: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k6.rt.Set("http", referenceHTTP); err != nil {
		t.Fatal(err)
	}
	value, err := k6.rt.RunString(`
		const checker = new IdentityChecker(http, { requestsMetric: 'zd_requests', rolloutMetric: 'zd_rollout_phase_samples' });
		const checked = [
			checker.check(ok, 'baseline', Date.now(), 'u', 's'),
			checker.check(ok, 'baseline', Date.now(), 'u', null),
			checker.check(ok, 'baseline', Date.now(), null, 's'),
			checker.check(lost, 'baseline', Date.now(), 'u', 's'),
			checker.check({ status: 200 }, 'baseline', Date.now(), 'u', 's'),
		];
		const taken = checker.take();
		JSON.stringify([checked, taken.seconds[0][1], taken.pods.map((p) => [p[0], p[2]]), checker.take()]);
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := `[[true,false,false,false,false],[["pod-a","blue",1]],[["pod-a",null]],null]`
	if got := value.String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	for _, script := range []string{
		`new IdentityChecker(http, { requestsMetric: 'a_trend', rolloutMetric: 'zd_rollout_phase_samples' })`,
		`new IdentityChecker(http, { requestsMetric: 'zd_requests' })`,
		`new IdentityChecker({}, { requestsMetric: 'zd_requests', rolloutMetric: 'zd_rollout_phase_samples' })`,
	} {
		if _, err := k6.rt.RunString(script); err == nil {
			t.Errorf("%s: accepted", script)
		}
	}
}
