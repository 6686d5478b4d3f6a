package kube

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.k6.io/k6/v2/js/modules"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestParseKind(t *testing.T) {
	for kind, want := range map[string]schema.GroupKind{
		"Pod":                            {Kind: "Pod"},
		"Deployment.apps":                {Group: "apps", Kind: "Deployment"},
		"EndpointSlice.discovery.k8s.io": {Group: "discovery.k8s.io", Kind: "EndpointSlice"},
	} {
		if got, err := parseKind(kind); err != nil || got != want {
			t.Errorf("parseKind(%q) = %v, %v; want %v", kind, got, err, want)
		}
	}
	for _, kind := range []string{"", ".apps"} {
		if _, err := parseKind(kind); err == nil {
			t.Errorf("parseKind(%q) succeeded", kind)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil)
	if err != nil || o != (options{timeout: 30 * time.Second}) {
		t.Fatalf("no options: %+v, %v", o, err)
	}
	o, err = parseOptions(map[string]any{
		"server": "https://127.0.0.1:6443", "token": "t", "config_path": nil, "timeout": int64(5),
	})
	if err != nil || o != (options{server: "https://127.0.0.1:6443", token: "t", timeout: 5 * time.Second}) {
		t.Fatalf("bearer options: %+v, %v", o, err)
	}
	if o, err = parseOptions(map[string]any{"timeout": 0.5}); err != nil || o.timeout != 500*time.Millisecond {
		t.Fatalf("fractional timeout: %+v, %v", o, err)
	}
	for name, raw := range map[string]map[string]any{
		"server without token": {"server": "https://x"},
		"token without server": {"token": "t"},
		"unknown option":       {"configPath": "/x"},
		"non-string":           {"config_path": int64(1)},
		"zero timeout":         {"timeout": int64(0)},
		"string timeout":       {"timeout": "30s"},
		"NaN timeout":          {"timeout": math.NaN()},
		"infinite timeout":     {"timeout": math.Inf(1)},
	} {
		if _, err := parseOptions(raw); err == nil {
			t.Errorf("%s: accepted %v", name, raw)
		}
	}
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q}}]
users: [{name: u, user: {token: secret}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRestConfig(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
	t.Setenv("KUBECONFIG", writeKubeconfig(t, "https://from-env:6443"))

	cfg, err := restConfig(options{server: "https://bearer:6443", token: "t", configPath: "/ignored", timeout: time.Second})
	if err != nil || cfg.Host != "https://bearer:6443" || cfg.BearerToken != "t" || cfg.Timeout != time.Second || cfg.QPS != 50 {
		t.Fatalf("server+token: %+v, %v", cfg, err)
	}
	cfg, err = restConfig(options{configPath: writeKubeconfig(t, "https://from-path:6443")})
	if err != nil || cfg.Host != "https://from-path:6443" || cfg.BearerToken != "secret" {
		t.Fatalf("config_path: %+v, %v", cfg, err)
	}
	if cfg, err = restConfig(options{}); err != nil || cfg.Host != "https://from-env:6443" {
		t.Fatalf("$KUBECONFIG: %+v, %v", cfg, err)
	}
	if _, err = restConfig(options{configPath: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("missing config_path accepted")
	}
}

func TestExplain(t *testing.T) {
	secrets := schema.GroupResource{Resource: "secrets"}
	deployments := schema.GroupResource{Group: "apps", Resource: "deployments"}
	for err, want := range map[error]string{
		apierrors.NewForbidden(secrets, "db", errors.New(`no`)):                                                     `forbidden: secrets "db" is forbidden: no (403)`,
		apierrors.NewNotFound(deployments, "web"):                                                                   `not found: deployments.apps "web" not found (404)`,
		apierrors.NewConflict(deployments, "web", errors.New("stale")):                                              `conflict: Operation cannot be fulfilled on deployments.apps "web": stale (409)`,
		apierrors.NewAlreadyExists(deployments, "web"):                                                              `already exists: deployments.apps "web" already exists (409)`,
		fmt.Errorf("wrapped: %w", &apierrors.StatusError{ErrStatus: metav1.Status{Code: 502, Message: "upstream"}}): "bad gateway: upstream (502)",
		errors.New("dial tcp: connection refused"):                                                                  "dial tcp: connection refused",
	} {
		if got := explain(err).Error(); !strings.HasPrefix(got, want) {
			t.Errorf("explain(%v) = %q; want %q", err, got, want)
		}
	}
}

func TestDecodeManifest(t *testing.T) {
	objs, err := decodeManifest(`
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{port: 80}]}
--- # empty document
---
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
`)
	if err != nil || len(objs) != 2 {
		t.Fatalf("decodeManifest: %d objects, %v", len(objs), err)
	}
	if got := objectTarget(objs[0]) + ", " + objectTarget(objs[1]); got != "Service shop/web, Deployment.apps web" {
		t.Errorf("decoded %s", got)
	}
	for manifest, want := range map[string]string{
		"":                               "no objects",
		"kind: Pod\nmetadata: {name: p}": "document 1: apiVersion, kind and metadata.name are required",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\nkind: [unterminated": "document 2",
	} {
		if _, err := decodeManifest(manifest); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decodeManifest(%q) = %v; want %q", manifest, err, want)
		}
	}
}

// vuContext is the part of a k6 VU that Kubernetes uses.
type vuContext struct {
	modules.VU
	ctx context.Context
}

func (v vuContext) Context() context.Context { return v.ctx }

// TestFakeServer runs calls against a fake API server that serves pods, 404s and a request that hangs.
func TestFakeServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api":
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"]}`)
		case "/apis":
			fmt.Fprint(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`)
		case "/api/v1":
			fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get"]}]}`)
		case "/api/v1/namespaces/default/pods/web":
			fmt.Fprint(w, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"}}`)
		case "/api/v1/namespaces/default/pods/slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"not here","reason":"NotFound","code":404}`)
		}
	}))
	defer srv.Close()
	const timeout = 200 * time.Millisecond
	cfg, err := restConfig(options{server: srv.URL, token: "t", timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	k, err := newKubernetes(vuContext{ctx: context.Background()}, cfg, timeout)
	if err != nil {
		t.Fatal(err)
	}

	if pod, err := k.Get("Pod", "web", ""); err != nil || pod["metadata"].(map[string]any)["name"] != "web" {
		t.Errorf("get Pod web: %v, %v", pod, err)
	}
	if _, err := k.Get("Pod", "gone", "shop"); err == nil || err.Error() != "get Pod shop/gone: not found: not here (404)" {
		t.Errorf("get Pod shop/gone: %v", err)
	}
	if _, err := k.Get("Deployment.apps", "web", "shop"); err == nil || !strings.Contains(err.Error(), `no matches for kind "Deployment" in group "apps"`) {
		t.Errorf("get Deployment.apps: %v", err)
	}
	began := time.Now()
	if _, err := k.Get("Pod", "slow", ""); err == nil || time.Since(began) > 10*timeout {
		t.Errorf("get Pod slow: %v after %v; want a timeout after %v", err, time.Since(began), timeout)
	}
}
