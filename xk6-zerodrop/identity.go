package zerodrop

import (
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"go.k6.io/k6/v2/js/modules"
	k6http "go.k6.io/k6/v2/js/modules/k6/http"
	"go.k6.io/k6/v2/lib/netext/httpext"
	"go.k6.io/k6/v2/metrics"
)

// A valueSource is where a profile's http.attribution finds a value: a response header (its canonical
// name, as validator/users/headers.ts looks it up) or a dotted body path; neither: the value is unknown.
type valueSource struct {
	header string
	body   []string
}

// An identitySpec is what the HTTP users' identity check reads from a target profile's http section:
// where the identity response names the user and the session id (nil: not compared), who served it, and
// the statuses that mean "not authenticated".
type identitySpec struct {
	user, sessionID []string
	pod, color      valueSource
	unauthorized    map[int]bool
	// Reads the body's paths: user, then sessionID, pod and color where the profile reads them.
	paths                     pathReader
	sessionAt, podAt, colorAt int
}

func newValueSource(exported any) (valueSource, error) {
	if exported == nil {
		return valueSource{}, nil
	}
	source, ok := exported.(map[string]any)
	if !ok {
		return valueSource{}, fmt.Errorf("%w: an attribution source is not an object", errSpec)
	}
	if header, ok := source["header"].(string); ok {
		return valueSource{header: textproto.CanonicalMIMEHeaderKey(header)}, nil
	}
	if body, ok := source["body"].(string); ok {
		return valueSource{body: strings.Split(body, ".")}, nil
	}
	return valueSource{}, fmt.Errorf("%w: an attribution source names no header or body path", errSpec)
}

// newIdentitySpec reads the profile's http section as JavaScript exports it.
func newIdentitySpec(exported any) (identitySpec, error) {
	httpSpec, ok := exported.(map[string]any)
	if !ok {
		return identitySpec{}, fmt.Errorf("%w: http is not an object", errSpec)
	}
	identity, ok := httpSpec["identity"].(map[string]any)
	if !ok {
		return identitySpec{}, fmt.Errorf("%w: http.identity is not an object", errSpec)
	}
	user, ok := identity["user"].(string)
	if !ok {
		return identitySpec{}, fmt.Errorf("%w: http.identity.user is not a path", errSpec)
	}
	spec := identitySpec{user: strings.Split(user, "."), unauthorized: map[int]bool{}}
	if sessionID, present := identity["sessionId"]; present && sessionID != nil {
		path, isPath := sessionID.(string)
		if !isPath {
			return identitySpec{}, fmt.Errorf("%w: http.identity.sessionId is not a path", errSpec)
		}
		spec.sessionID = strings.Split(path, ".")
	}
	statuses, ok := httpSpec["unauthorizedStatuses"].([]any)
	if !ok {
		return identitySpec{}, fmt.Errorf("%w: http.unauthorizedStatuses is not a list", errSpec)
	}
	for _, exported := range statuses {
		status, isNumber := number(exported)
		if !isNumber {
			return identitySpec{}, fmt.Errorf("%w: an unauthorized status is not a number", errSpec)
		}
		spec.unauthorized[int(status)] = true
	}
	if attribution, ok := httpSpec["attribution"].(map[string]any); ok {
		var err error
		if spec.pod, err = newValueSource(attribution["pod"]); err != nil {
			return identitySpec{}, err
		}
		if spec.color, err = newValueSource(attribution["color"]); err != nil {
			return identitySpec{}, err
		}
	}
	paths := [][]string{spec.user}
	at := func(path []string) int {
		if path == nil {
			return -1
		}
		paths = append(paths, path)
		return len(paths) - 1
	}
	spec.sessionAt, spec.podAt, spec.colorAt = at(spec.sessionID), at(spec.pod.body), at(spec.color.body)
	spec.paths = newPathReader(paths...)
	return spec, nil
}

// served reads a value the way validator/users/users.ts servedField does: a header's value, or a body
// string (at `at` among the values read, -1 where the profile reads none); "unknown" where it finds
// neither. ok false where JavaScript could read it otherwise: a number (String() formats it by rules of
// its own).
func (v valueSource) served(headers map[string]string, values []jsonValue, at int) (string, bool) {
	if v.header != "" {
		if value, present := headers[v.header]; present {
			return value, true
		}
		return "unknown", true
	}
	if at < 0 {
		return "unknown", true
	}
	switch found := values[at]; found.kind {
	case kindString:
		return found.str, true
	case kindNumber:
		return "", false
	}
	return "unknown", true
}

// A checkedResponse is what an identity response said when it is the one the user expected.
type checkedResponse struct {
	pod, color string
}

// check reads one identity response and says whether it is the expected one, decided exactly as
// validator/users/http-user.ts checkIdentity would: a 2xx status that does not mean "not authenticated",
// no Set-Cookie (the session cookie may have changed), a JSON body naming `user` (and `sessionID` where the
// profile compares it) as strings, who served it where the profile says. ok false for anything else,
// and for what this reader does not decide exactly as JavaScript does (escapes, invalid UTF-8, numbers
// where text is read, arrays on a path): the caller checks those in JavaScript.
func (s *identitySpec) check(r *httpext.Response, user string, sessionID *string) (checkedResponse, bool) {
	if r.Status < 200 || r.Status > 299 || s.unauthorized[r.Status] {
		return checkedResponse{}, false
	}
	if _, setsCookies := r.Headers["Set-Cookie"]; setsCookies {
		return checkedResponse{}, false
	}
	body, isText := r.Body.(string)
	if !isText {
		return checkedResponse{}, false
	}
	values, ok := s.paths.read(body)
	// A string, and the one expected: JavaScript would name no one, or format a number, for anything else.
	if !ok || values[0].kind != kindString || values[0].str != user {
		return checkedResponse{}, false
	}
	if s.sessionID != nil {
		if seen := values[s.sessionAt]; seen.kind != kindString || sessionID == nil || seen.str != *sessionID {
			return checkedResponse{}, false
		}
	}
	pod, podOK := s.pod.served(r.Headers, values, s.podAt)
	color, colorOK := s.color.served(r.Headers, values, s.colorAt)
	if !podOK || !colorOK {
		return checkedResponse{}, false
	}
	return checkedResponse{pod: pod, color: color}, true
}

// An identityChecks checks a VU's HTTP users' identity responses in Go and records the expected ones
// as checkIdentity does: the zd_requests and zd_rollout_phase_samples samples, and what it served
// (traffic.go), handed to JavaScript's traffic recorder by take.
type identityChecks struct {
	spec              identitySpec
	vu                modules.VU
	requests, rollout *metrics.Metric
	// The zd_requests tag sets built so far, for the VU tags they were built on.
	base    *metrics.TagSet
	tagSets map[string]metrics.TagsAndMeta
	traffic servedTraffic
}

// record counts one expected response served by `by`, the request sent at sentAt (epoch ms), in phase.
func (c *identityChecks) record(r *httpext.Response, by checkedResponse, phase string, sentAt float64, now time.Time) {
	state := c.vu.State()
	if state == nil {
		return
	}
	vuTags := state.Tags.GetCurrentValues()
	status := strconv.Itoa(r.Status)
	metrics.PushIfNotDone(c.vu.Context(), state.Samples, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: c.requests, Tags: c.requestTags(vuTags, phase, by, status).Tags},
		Time:       now,
		Metadata:   vuTags.Metadata,
		Value:      1,
	})
	if phase == "rollout" {
		metrics.PushIfNotDone(c.vu.Context(), state.Samples, metrics.Sample{
			TimeSeries: metrics.TimeSeries{Metric: c.rollout, Tags: vuTags.Tags},
			Time:       now,
			Metadata:   vuTags.Metadata,
			Value:      1,
		})
	}
	c.traffic.served(now.UnixMilli(), by.pod, by.color, r.Timings.Duration, true)
	t := r.Timings
	acceptedAt := sentAt + t.Blocked + t.Connecting + t.TLSHandshaking
	c.traffic.pod(by.pod, acceptedAt+t.Sending+t.Waiting, acceptedAt, t.Connecting > 0)
}

// requestTags is the tag set zd_requests.add(1, {phase, pod, color, status}) gives a sample, built once
// per combination for the VU tags it was built on.
func (c *identityChecks) requestTags(vuTags metrics.TagsAndMeta, phase string, by checkedResponse, status string) metrics.TagsAndMeta {
	if vuTags.Tags != c.base {
		c.base, c.tagSets = vuTags.Tags, map[string]metrics.TagsAndMeta{}
	}
	key := phase + "\x00" + by.pod + "\x00" + by.color + "\x00" + status
	tags, cached := c.tagSets[key]
	if !cached {
		tags = vuTags
		tags.SetTag("phase", phase)
		tags.SetTag("pod", by.pod)
		tags.SetTag("color", by.color)
		tags.SetTag("status", status)
		c.tagSets[key] = tags
	}
	return tags
}

// responseOf is the k6 response a script handed over, nil for anything else.
func responseOf(exported any) *httpext.Response {
	if r, ok := exported.(*k6http.Response); ok && r != nil {
		return r.Response
	}
	return nil
}
