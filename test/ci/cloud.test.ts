/**
 * `make cloud` / `make cloud-split` (cloud/run-cloud.ts) with the real bin/k6, in a network namespace with no
 * network at all (`unshare -rn`), so nothing can reach Grafana Cloud: the dry run archives and inspects the
 * real bundles offline, and a missing token or stack stops the run with one line before anything starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot as repo } from '../../tools/paths.ts';

function runCloud(mode: string, env: Record<string, string>) {
  const out = spawnSync('unshare', ['-rn', process.execPath, '--import', 'tsx', 'cloud/run-cloud.ts', mode], {
    cwd: repo,
    // Only what is given: a K6_CLOUD_TOKEN in the developer's environment must not leak into these runs.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr, output: `${out.stdout}${out.stderr}` };
}

const publicTarget = {
  BASE_URL: 'http://shop.example.com',
  REDIS_URL: 'redis://:hunter2@redis.example.com:6379',
  USER_PASSWORD: 'pa55word',
};

test('the tests run without any network (unshare -rn works here)', () => {
  const out = spawnSync('unshare', ['-rn', 'true']);
  assert.equal(out.status, 0, `unshare -rn is unavailable: ${out.stderr}`);
});

test('dry run, full: archives and inspects dist/zero-downtime.js offline and prints the local-execution command', () => {
  const { status, stdout, output } = runCloud('full', {
    DRY_RUN: '1',
    RUN_ID: 'dry-full',
    BASE_URL: 'http://127.0.0.1:8080',
    REDIS_URL: 'redis://127.0.0.1:6379',
  });
  assert.equal(status, 0, output);
  assert.match(
    stdout,
    /^ {2}bin\/k6 cloud run --local-execution -e BASE_URL=http:\/\/127\.0\.0\.1:8080 -e REDIS_URL=redis:\/\/127\.0\.0\.1:6379 -e RUN_ID=dry-full dist\/zero-downtime\.js$/m,
  );
  assert.match(stdout, /✓ Archiving dist\/zero-downtime\.js/);
  assert.match(
    stdout,
    /suite: archive \d+ KiB, 22 VUs at most, .* scenarios http_users, readiness, rollout, ws_users/,
  );
  assert.match(stdout, /dry run: nothing was started or uploaded/);
});

test('dry run, split: the cloud load has no rollout scenario, the local driver only the rollout; secrets masked', () => {
  const { status, stdout, output } = runCloud('split', {
    DRY_RUN: '1',
    RUN_ID: 'dry-split',
    ...publicTarget,
  });
  assert.equal(status, 0, output);
  assert.match(stdout, /^ {2}bin\/k6 cloud run .*-e RUN_ID=dry-split .*dist\/load\.js$/m);
  assert.match(stdout, /^ {2}bin\/k6 run .*-e RUN_ID=dry-split .*dist\/rollout\.js$/m);
  assert.match(stdout, /load: archive \d+ KiB, 20 VUs at most, .* scenarios http_users, ws_users$/m);
  assert.match(stdout, /rollout: archive \d+ KiB, 1 VUs at most, .* scenarios rollout$/m);
  assert.doesNotMatch(output, /hunter2|pa55word/);
  assert.match(stdout, /REDIS_URL=redis:\/\/:\*\*\*@redis\.example\.com:6379/);
});

for (const mode of ['full', 'split']) {
  test(`${mode}: no token and no stack → the commands, then one line naming both, exit 2, nothing run`, () => {
    const { status, stdout, stderr } = runCloud(mode, publicTarget);
    assert.equal(status, 2, `${stdout}${stderr}`);
    assert.match(stdout, /^ {2}bin\/k6 /m);
    assert.doesNotMatch(stdout, /Archiving|Inspecting/);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] as string, /^✗ K6_CLOUD_TOKEN and K6_CLOUD_STACK_ID: are not set/);
  });
}

test('a token without a stack → one line naming K6_CLOUD_STACK_ID, exit 2', () => {
  const { status, stderr } = runCloud('full', { ...publicTarget, K6_CLOUD_TOKEN: 'not-a-real-token' });
  assert.equal(status, 2, stderr);
  assert.match(stderr.trim(), /^✗ K6_CLOUD_STACK_ID: is not set/);
  assert.doesNotMatch(stderr, /K6_CLOUD_TOKEN:/);
});

test('a stack id that is not a number → one line naming it, exit 2', () => {
  const { status, stderr } = runCloud('full', {
    ...publicTarget,
    K6_CLOUD_TOKEN: 'not-a-real-token',
    K6_CLOUD_STACK_ID: 'my-stack',
  });
  assert.equal(status, 2, stderr);
  assert.equal(stderr.trim(), "✗ K6_CLOUD_STACK_ID: must be the numeric stack id (got 'my-stack')");
});

test('split with a loopback BASE_URL → refused before anything runs, exit 2', () => {
  const { status, stderr } = runCloud('split', {
    DRY_RUN: '1',
    BASE_URL: 'http://127.0.0.1:8080',
    REDIS_URL: 'redis://redis.example.com:6379',
  });
  assert.equal(status, 2, stderr);
  assert.match(stderr.trim(), /^✗ BASE_URL: 127\.0\.0\.1 is not reachable from Grafana Cloud load zones/);
});

test('an unknown mode prints the usage, exit 2', () => {
  const { status, stderr } = runCloud('everywhere', {});
  assert.equal(status, 2);
  assert.match(stderr, /usage: tsx cloud\/run-cloud\.ts <full\|split>/);
});
