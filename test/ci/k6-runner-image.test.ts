/**
 * The runner image (operator/images.ts) does what the k6-operator asks of it, checked offline: its layer
 * is unpacked and entered with `unshare -rm` + chroot (/dev bound in, as a container runtime provides it),
 * then the initializer's commands (k6-operator v1.5.0 pkg/resources/jobs/initializer.go: `command -v k6`,
 * `mkdir -p`, `k6 archive`, `k6 inspect --execution-requirements`, and its `grep 'level.*error'` on k6's
 * log, which fails the TestRun) run through its shell on the script ConfigMap's files, and the starter's
 * curl runs. Nothing from the host is visible inside.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildOperatorImages, runnerImage } from '../../operator/images.ts';
import { readTestRun, scriptFiles } from '../../operator/testrun.ts';

const work = mkdtempSync(join(tmpdir(), 'zerodrop-runner-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

const [runnerArchive] = buildOperatorImages(work);
const rootfs = join(work, 'rootfs');
mkdirSync(rootfs);
const manifest = JSON.parse(
  execFileSync('tar', ['-xOf', runnerArchive as string, './manifest.json'], { encoding: 'utf8' }),
);
execFileSync('sh', [
  '-c',
  `tar -xOf "$1" ./layer.tar | tar -x -C "$2"`,
  'sh',
  runnerArchive as string,
  rootfs,
]);
mkdirSync(join(rootfs, 'test'));
mkdirSync(join(rootfs, 'dev'));
// What the script ConfigMap holds, mounted at /test as the operator mounts it.
for (const { key, path } of scriptFiles(readTestRun())) copyFileSync(path, join(rootfs, 'test', key));

/** Runs a shell script in the image, with /dev bound in as a container runtime would. */
function inImage(script: string) {
  const enter = 'mount --rbind /dev "$1/dev" && exec chroot "$1" /bin/sh -c "$2"';
  return spawnSync('unshare', ['-rm', 'sh', '-c', enter, 'sh', rootfs, script], {
    env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test('the archive is tagged with the runner image name', () => {
  assert.deepEqual(manifest[0].RepoTags, [runnerImage]);
});

test("the initializer's commands run in the image and print the execution requirements", () => {
  const archive = '/tmp/zero-downtime.js.archived.tar';
  const out = inImage(`
    set -e
    command -v k6 >/dev/null
    mkdir -p "$(dirname ${archive})"
    k6 archive /test/zero-downtime.js -e BASE_URL="http://session-app.zerodrop.svc" -e REDIS_URL="redis://redis.zerodrop.svc:6379" -e RUN_ID="op-test" -O ${archive} 2>/tmp/k6logs
    k6 inspect --execution-requirements ${archive} 2>/tmp/k6logs
    ! grep 'level.*error' /tmp/k6logs
  `);
  assert.equal(out.status, 0, out.stdout + out.stderr);
  const requirements = JSON.parse(out.stdout) as { maxVUs: number; scenarios: Record<string, unknown> };
  // 300 + 200 users at the default 25 per VU, plus the rollout VU and the readiness follower's.
  assert.equal(requirements.maxVUs, 22);
  assert.deepEqual(Object.keys(requirements.scenarios).sort(), [
    'http_users',
    'readiness',
    'rollout',
    'ws_users',
  ]);
});

test("the starter's curl and the usual applets are there; the host is not", () => {
  const out = inImage(
    'curl --version && ls /bin/sh /bin/ls /bin/cat /bin/mkdir && test ! -e /work && test ! -e /root/.cache',
  );
  assert.equal(out.status, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /^curl \d/);
});
