/**
 * The k6/x/kubernetes extension's Go tests: unit tests, and the integration test that starts a real etcd
 * and kube-apiserver (the cluster binaries built by `make cluster-binaries`) and drives them through the
 * real bin/k6 — including a ServiceAccount whose RBAC forbids Secrets.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { builtBinDir } from '../../cluster/binary-cache.ts';
import { repoRoot as repo } from '../../tools/paths.ts';
import { goTest } from '../support/go-test.ts';
import { bundleFixture } from '../support/k6.ts';

test('go test ./... in xk6-kube, integration included (with the readiness-on-drain follower)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zd-kube-readiness-'));
  try {
    // zerodrop's own Kubernetes readiness follower (validator/readiness/follow.ts), as a k6 script.
    const readiness = path.join(dir, 'kube-readiness.js');
    await bundleFixture('test/build/fixtures/kube-readiness.k6.ts', readiness);
    const output = goTest('xk6-kube', {
      KUBE_BIN_DIR: await builtBinDir(),
      K6_BIN: path.join(repo, 'bin/k6'),
      KUBE_READINESS_SCRIPT: readiness,
    });
    assert.match(output, /^ok\s+zerodrop\.dev\/xk6-kube/m);
    assert.match(output, /kube-readiness: all checks passed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
