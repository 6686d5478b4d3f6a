// Package kube is a k6 extension, imported from JS as "k6/x/kubernetes", that reads and changes
// Kubernetes objects of any served kind. Its generic API (apply, create, get, list, update, delete)
// matches grafana/xk6-kubernetes; patch and can are zerodrop's additions.
package kube

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func init() {
	modules.Register("k6/x/kubernetes", new(RootModule))
}

type (
	// RootModule creates the module instance of each VU.
	RootModule struct{}

	// ModuleInstance is the module of one VU: it exports the Kubernetes constructor.
	ModuleInstance struct {
		vu modules.VU
	}
)

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// NewModuleInstance implements modules.Module.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &ModuleInstance{vu: vu}
}

// Exports implements modules.Instance.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"Kubernetes": mi.newKubernetes}}
}

// newKubernetes is the JS constructor `new Kubernetes(opts?)`. It does no I/O, so it may run in the
// init context: discovery happens on the first call that needs a kind.
func (mi *ModuleInstance) newKubernetes(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	var raw map[string]any
	if arg := call.Argument(0); !sobek.IsUndefined(arg) && !sobek.IsNull(arg) {
		if err := rt.ExportTo(arg, &raw); err != nil {
			common.Throw(rt, fmt.Errorf("new Kubernetes(opts): opts must be an object: %w", err))
		}
	}
	opts, err := parseOptions(raw)
	if err != nil {
		common.Throw(rt, fmt.Errorf("new Kubernetes(opts): %w", err))
	}
	cfg, err := restConfig(opts)
	if err != nil {
		common.Throw(rt, fmt.Errorf("new Kubernetes(opts): %w", err))
	}
	k, err := newKubernetes(mi.vu, cfg, opts.timeout)
	if err != nil {
		common.Throw(rt, fmt.Errorf("new Kubernetes(opts): %w", err))
	}
	return rt.ToValue(k).ToObject(rt)
}

const defaultTimeout = 30 * time.Second

// options are the constructor's options, named as in xk6-kubernetes (plus timeout).
type options struct {
	configPath, server, token string
	timeout                   time.Duration // of each API request
}

// parseOptions reads the JS options object. Undefined values count as absent, so
// `config_path: __ENV.KUBECONFIG` works whether or not the variable is set.
func parseOptions(raw map[string]any) (options, error) {
	o := options{timeout: defaultTimeout}
	stringOpts := map[string]*string{"config_path": &o.configPath, "server": &o.server, "token": &o.token}
	for key, v := range raw {
		if v == nil {
			continue
		}
		if dst, ok := stringOpts[key]; ok {
			if *dst, ok = v.(string); !ok {
				return o, fmt.Errorf("option %s must be a string, not %T", key, v)
			}
			continue
		}
		if key != "timeout" {
			return o, fmt.Errorf("unknown option %q (known: config_path, server, token, timeout)", key)
		}
		var secs float64
		switch n := v.(type) {
		case int64:
			secs = float64(n)
		case float64:
			secs = n
		}
		if !(secs > 0) || math.IsInf(secs, 1) { // NaN fails secs > 0
			return o, fmt.Errorf("option timeout must be a positive number of seconds, not %v", v)
		}
		o.timeout = time.Duration(secs * float64(time.Second))
	}
	if (o.server == "") != (o.token == "") {
		return o, errors.New("options server and token go together: give both or neither")
	}
	return o, nil
}

// restConfig resolves the connection: server+token (bearer, TLS unverified, as in xk6-kubernetes),
// else config_path, else the in-cluster service account, else $KUBECONFIG, else ~/.kube/config.
func restConfig(o options) (*rest.Config, error) {
	var (
		cfg *rest.Config
		err error
	)
	switch {
	case o.server != "":
		cfg = &rest.Config{
			Host:            o.server,
			BearerToken:     o.token,
			TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		}
	case o.configPath != "":
		cfg, err = clientcmd.BuildConfigFromFlags("", o.configPath)
	default:
		if cfg, err = rest.InClusterConfig(); err != nil {
			rules := clientcmd.NewDefaultClientConfigLoadingRules() // $KUBECONFIG, else ~/.kube/config
			cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
			if clientcmd.IsEmptyConfig(err) {
				err = errors.New("no Kubernetes config: not in a pod, and no config_path, $KUBECONFIG or ~/.kube/config to read")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	cfg.Timeout = o.timeout // bounds discovery requests too, which take no context
	// kubectl's client-side rate limit rather than client-go's 5/s, which would delay the
	// rollout driver's polling and so what it observes; the server's priority and fairness still apply.
	cfg.QPS, cfg.Burst = 50, 300
	cfg.UserAgent = "zerodrop-xk6-kube"
	return cfg, nil
}
