/**
 * Last cluster test (`make test-cluster` runs it after the others, one file at a time): takes down the embedded
 * cluster that cluster.test.ts brought up and the e2e tests used, and proves teardown is `rm -f`:
 * nothing of the cluster is left, and a second run succeeds. ZERODROP_RETAIN=1 keeps the cluster.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { $ } from 'zx';
import { clusterDown } from '../../cluster/cluster.ts';
import { BRIDGE, nodeLayout } from '../../cluster/node-layout.ts';
import { Status } from '../../tools/status.ts';

const retain = process.env.ZERODROP_RETAIN === '1';

test('cluster-down removes the embedded cluster, and running it again succeeds', {
  skip: retain && 'ZERODROP_RETAIN=1 keeps the cluster',
  timeout: 120_000,
}, async () => {
  const layout = nodeLayout();
  await clusterDown(new Status(process.stdout));
  const bridge = await $({ quiet: true, nothrow: true })`ip link show dev ${BRIDGE}`;
  assert.notEqual(bridge.exitCode, 0, `bridge ${BRIDGE} is still there`);
  const left = existsSync(layout.root) ? readdirSync(layout.root) : [];
  assert.deepEqual(
    left.filter((entry) => entry !== 'logs'),
    [],
  );
  const mounts = await $({ quiet: true })`cat /proc/self/mountinfo`;
  assert.ok(!mounts.stdout.includes(layout.root), 'mounts under the state folder are left');
  await clusterDown(new Status(process.stdout));
});
