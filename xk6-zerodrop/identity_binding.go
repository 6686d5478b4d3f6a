package zerodrop

import (
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

// newIdentityChecker is the JavaScript constructor IdentityChecker(http, {requestsMetric, rolloutMetric}):
// check(res, phase, sentAt, user, sessionId) checks one identity response in Go and records it when it
// is the expected one (identity.go), else returns false and records nothing; take() hands over the
// per-second counts and the pods' traffic recorded since the last take, or null. A profile section,
// options or metrics it cannot take throw a TypeError.
func newIdentityChecker(vu modules.VU, registry *metrics.Registry, call sobek.ConstructorCall) *sobek.Object {
	rt := vu.Runtime()
	checks, err := newIdentityChecks(vu, registry, call.Argument(0).Export(), call.Argument(1).Export())
	if err != nil {
		panic(rt.NewTypeError(err.Error()))
	}
	check := func(call sobek.FunctionCall) sobek.Value {
		r := responseOf(call.Argument(0).Export())
		user, hasUser := call.Argument(3).Export().(string)
		if r == nil || !hasUser {
			return rt.ToValue(false)
		}
		var sessionID *string
		if id, isString := call.Argument(4).Export().(string); isString {
			sessionID = &id
		}
		by, ok := checks.spec.check(r, user, sessionID)
		if !ok {
			return rt.ToValue(false)
		}
		checks.record(r, by, call.Argument(1).String(), call.Argument(2).ToFloat(), time.Now())
		return rt.ToValue(true)
	}
	take := func() sobek.Value { return checks.traffic.takeObject(rt) }
	for name, method := range map[string]any{"check": check, "take": take} {
		if err := call.This.Set(name, method); err != nil {
			panic(rt.NewGoError(err))
		}
	}
	return nil
}

func newIdentityChecks(vu modules.VU, registry *metrics.Registry, httpSpec, exportedOptions any) (*identityChecks, error) {
	spec, err := newIdentitySpec(httpSpec)
	if err != nil {
		return nil, err
	}
	options, ok := exportedOptions.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: options are not an object", errSpec)
	}
	requests, err := registered(registry, options["requestsMetric"], metrics.Counter)
	if err != nil {
		return nil, err
	}
	rollout, err := registered(registry, options["rolloutMetric"], metrics.Counter)
	if err != nil {
		return nil, err
	}
	return &identityChecks{spec: spec, vu: vu, requests: requests, rollout: rollout}, nil
}

// registered is the metric of that name and type in the registry.
func registered(registry *metrics.Registry, name any, kind metrics.MetricType) (*metrics.Metric, error) {
	named, isName := name.(string)
	var metric *metrics.Metric
	if isName && registry != nil {
		metric = registry.Get(named)
	}
	if metric == nil || metric.Type != kind {
		return nil, fmt.Errorf("%w: no %s named %v", errSpec, kind, name)
	}
	return metric, nil
}
