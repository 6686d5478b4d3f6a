package kube

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIntegration runs testdata/kube-api.js in a k6 built with this extension against a real
// etcd + kube-apiserver on 127.0.0.1, and the script KUBE_READINESS_SCRIPT names when it is set. It
// runs only when KUBE_BIN_DIR names the folder holding the etcd and kube-apiserver binaries, and then
// needs K6_BIN (the k6 built with this extension):
//
//	KUBE_BIN_DIR=~/.cache/zerodrop/kube/<key>/bin K6_BIN=/path/to/k6 go test -run Integration -v
func TestIntegration(t *testing.T) {
	binDir := os.Getenv("KUBE_BIN_DIR")
	if binDir == "" {
		t.Skip("KUBE_BIN_DIR is not set")
	}
	k6 := os.Getenv("K6_BIN")
	if k6 == "" {
		t.Fatal("KUBE_BIN_DIR is set but K6_BIN is not: build k6 with this extension and point K6_BIN at it")
	}
	for _, bin := range []string{filepath.Join(binDir, "etcd"), filepath.Join(binDir, "kube-apiserver"), k6} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("not an executable: %v", err)
		}
	}

	dir := t.TempDir()
	const adminToken = "zerodrop-admin-token"
	write(t, filepath.Join(dir, "tokens.csv"), adminToken+",admin,admin-uid,system:masters\n")
	write(t, filepath.Join(dir, "sa.key"), serviceAccountKey(t))

	etcdPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	start(t, dir, filepath.Join(binDir, "etcd"),
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd"), "--unsafe-no-fsync",
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL)
	apiLog := start(t, dir, filepath.Join(binDir, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir="+filepath.Join(dir, "certs"), // a self-signed serving certificate
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/24",
		"--endpoint-reconciler-type=none") // a loopback address cannot be the kubernetes Service's endpoint

	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	waitReady(t, server, adminToken, apiLog)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	write(t, kubeconfig, fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: it, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: %q}}]
contexts: [{name: it, context: {cluster: it, user: admin}}]
current-context: it
`, server, adminToken))

	scripts := map[string]string{"testdata/kube-api.js": "kube-api.js: all checks passed"}
	// zerodrop's readiness-on-drain follower, bundled by test/build/xk6-kube.test.ts.
	if readiness := os.Getenv("KUBE_READINESS_SCRIPT"); readiness != "" {
		scripts[readiness] = "kube-readiness: all checks passed"
	}
	for script, passed := range scripts {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, k6, "run", "--quiet", "--no-color", script)
		cmd.Env = append(os.Environ(), "KUBE_SERVER="+server, "KUBE_ADMIN_TOKEN="+adminToken, "KUBE_CONFIG="+kubeconfig)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil || !bytes.Contains(out, []byte(passed)) {
			t.Fatalf("k6 run %s: %v\n%s", script, err, out)
		}
		t.Logf("%s", out)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serviceAccountKey is a PEM ECDSA key that signs (and verifies) service account tokens.
func serviceAccountKey(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs a server until the test ends, logging to dir/<name>.log, whose path it returns.
func start(t *testing.T, dir, bin string, args ...string) string {
	t.Helper()
	logPath := filepath.Join(dir, filepath.Base(bin)+".log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
	})
	return logPath
}

// waitReady polls /readyz, which includes the RBAC bootstrap roles, for up to a minute.
func waitReady(t *testing.T, server, token, logPath string) {
	t.Helper()
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	deadline := time.Now().Add(time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodGet, server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			t.Fatalf("kube-apiserver not ready after a minute (%v); log tail:\n%s", err, strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
