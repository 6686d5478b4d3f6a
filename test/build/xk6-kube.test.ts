/**
 * The k6/x/kubernetes extension's Go tests: unit tests, and the integration test that starts a real etcd
 * and kube-apiserver (the cluster binaries built by `make cluster-binaries`) and drives them through the
 * real bin/k6 — including a ServiceAccount whose RBAC forbids Secrets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { builtBinDir } from '../../cluster/binary-cache.ts';
import { repoRoot as repo } from '../../tools/paths.ts';

test('go test ./... in xk6-kube, integration included', async () => {
  const result = spawnSync('go', ['test', '-count=1', './...'], {
    cwd: path.join(repo, 'xk6-kube'),
    env: { ...process.env, KUBE_BIN_DIR: await builtBinDir(), K6_BIN: path.join(repo, 'bin/k6') },
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(result.status, 0, `go test failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^ok\s+zerodrop\.dev\/xk6-kube/m);
});
