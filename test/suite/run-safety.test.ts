/**
 * A run keeps its secrets, its id and its folder, through the real bin/k6 against a real reference
 * service and a real Redis: no credential of REDIS_URL or BASE_URL anywhere, private report files, a
 * setup stop reported as "not run", a reused RUN_ID refused without touching the earlier run, a report
 * folder created (or refused) before any load, a failed rollout in one line, every run key with an
 * expiry of the run's planned length (not a day) even after SIGINT then SIGTERM, cut to the reports'
 * needs after the audit, and a failing audit naming sessions by a short hash, never by their ids.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { AppProcess } from '../support/app-process.ts';
import { runK6Script, startK6Script } from '../support/k6.ts';
import type { RedisServer } from '../support/redis.ts';
import { type ReferenceTarget, startReferenceTarget } from '../support/reference-target.ts';

const script = join(import.meta.dirname, '../../dist/zero-downtime.js');
let redis: RedisServer;
let app: AppProcess;
let store: Redis;
let reports: string;
let target: ReferenceTarget;

before(async () => {
  target = await startReferenceTarget('zd-reports-');
  ({ redis, app, store, reports } = target);
});

after(async () => {
  await target.stop();
});

const newId = (what: string) => `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

function env(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RUN_ID: runId,
    BASE_URL: app.url,
    REDIS_URL: redis.url,
    REPORT_DIR: join(reports, 'new', 'folder'),
    STRATEGY: 'none',
    BASELINE: '1s',
    COOLDOWN: '1s',
    ROLLOUT_TIMEOUT: '2s',
    HTTP_USERS: '2',
    WS_USERS: '2',
    ...extra,
  };
}

const errorLines = (output: string) => output.split('\n').filter((l) => l.includes('level=error'));

/** The run stopped before or after the load with exit 108 and exactly one error line, matching `pattern`. */
function stoppedWithOneLine(run: { exitCode: number | null; output: string }, pattern: RegExp): void {
  assert.equal(run.exitCode, 108, run.output);
  const errors = errorLines(run.output);
  assert.equal(errors.length, 1, run.output);
  assert.match(errors[0] as string, pattern);
}

describe('zero-downtime.js keeps its secrets, its run id and its report folder', { concurrency: 1 }, () => {
  const credentials = (runId: string, baseUrl: string) =>
    env(runId, {
      BASE_URL: baseUrl.replace('http://', 'http://zd:s3cret-base@'),
      REDIS_URL: redis.url.replace('redis://', 'redis://:s3cret-redis@'),
    });

  /** The run's report folder: 0700, four files of 0600, none with a credential. */
  function privateReports(e: Record<string, string>, runId: string): string {
    const dir = join(e.REPORT_DIR as string, runId);
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'report folder 0700');
    assert.deepEqual(readdirSync(dir).sort(), ['junit.xml', 'summary.json', 'summary.txt', 'timeline.html']);
    for (const file of readdirSync(dir)) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, `${file} 0600`);
      assert.doesNotMatch(readFileSync(join(dir, file), 'utf8'), /s3cret/, file);
    }
    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.match(json.meta.command, /REDIS_URL='redis:\/\/\*\*\*@127/);
    assert.match(json.meta.target, /^http:\/\/\*\*\*@127/);
    return dir;
  }

  test('credentials of REDIS_URL and BASE_URL appear nowhere: output, error lines, report files (0600 in 0700)', async () => {
    const runId = newId('secret');
    const e = credentials(runId, app.url);
    const run = await runK6Script(script, e, 120_000);
    assert.equal(run.exitCode, 108, run.output);
    assert.doesNotMatch(run.output, /s3cret/);
    assert.match(run.output, /Reproduce: .*REDIS_URL='redis:\/\/\*\*\*@127/);
    privateReports(e, runId);
  });

  test('a setup stop (108) writes "not run: <reason>" in every report format, without credentials', async () => {
    const runId = newId('notrun');
    const e = credentials(runId, 'http://127.0.0.1:9');
    const run = await runK6Script(script, e, 120_000);
    assert.equal(run.exitCode, 108, run.output);
    const reason = 'BASE_URL: http://***@127.0.0.1:9 is unreachable';
    assert.deepEqual(
      errorLines(run.output).map((l) => /msg="([^"(]*)/.exec(l)?.[1]),
      [`test aborted: ${reason} `],
    );
    assert.doesNotMatch(run.output, /s3cret/);
    const dir = privateReports(e, runId);
    assert.ok(
      readFileSync(join(dir, 'summary.txt'), 'utf8').startsWith(`zerodrop ${runId}: not run: ${reason}`),
    );
    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.ok(json.notRun.startsWith(reason), json.notRun);
    assert.deepEqual(json.verdict.rows, []);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    assert.match(junit, /failures="0" errors="1"/);
    assert.match(junit, /<error message="not run: BASE_URL: /);
    assert.match(readFileSync(join(dir, 'timeline.html'), 'utf8'), /<span class="fail">not run: BASE_URL: /);
    assert.match(run.output, new RegExp(`Report: ${dir}/`));
  });

  test('a REPORT_DIR that cannot be created stops the run before any load (108), with no Report line', async () => {
    const file = join(reports, 'a-file');
    writeFileSync(file, '');
    const run = await runK6Script(
      script,
      env(newId('nodir'), { REPORT_DIR: join(file, 'reports') }),
      120_000,
    );
    stoppedWithOneLine(run, /test aborted: REPORT_DIR: cannot create the report folder .*not a directory/);
    assert.doesNotMatch(run.output, /Report: /);
    assert.doesNotMatch(run.output, /zd_sessions_established|zd_requests/, 'no load ran');
  });

  test('a RUN_ID whose keys are in Redis is refused (108) and the earlier run is left as it was', async () => {
    const runId = newId('reused');
    await store.hset(`zdrun:${runId}:timeline`, 'createdAt', '1', 'rolloutEnd', '2');
    const run = await runK6Script(script, env(runId), 120_000);
    stoppedWithOneLine(
      run,
      new RegExp(`RUN_ID: '${runId}' was used already: Redis holds zdrun:${runId}:\\*`),
    );
    assert.deepEqual(await store.hgetall(`zdrun:${runId}:timeline`), { createdAt: '1', rolloutEnd: '2' });
  });

  test('a RUN_ID whose folder holds reports is refused (108) and its reports are not overwritten', async () => {
    const runId = newId('reused-folder');
    const e = env(runId);
    const dir = join(e.REPORT_DIR as string, runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), 'the earlier run');
    const run = await runK6Script(script, e, 120_000);
    stoppedWithOneLine(run, /RUN_ID: '.*' was used already: .* holds its reports/);
    assert.deepEqual(readdirSync(dir), ['summary.json']);
    assert.equal(readFileSync(join(dir, 'summary.json'), 'utf8'), 'the earlier run');
    assert.equal(await store.exists(`zdrun:${runId}:timeline`), 0, 'nothing claimed in Redis');
  });

  test('a rollout that fails stops the run (108) with one line and no script location', async () => {
    const runId = newId('stall');
    const run = await runK6Script(script, env(runId), 120_000);
    stoppedWithOneLine(
      run,
      /msg="test aborted: rollout 1\/1 failed: STRATEGY=none: no external actor reported rollout 1 complete within 2s/,
    );
    assert.doesNotMatch(run.output, /file:\/\/|\.js:\d+/);
    // Planned: 1 s baseline + (2 s rollout timeout + 30 s) + 1 s cooldown + 60 s = 94 s, and 850 s more.
    await assertEveryKeyExpires(runId, 944);
  });

  test('SIGINT then SIGTERM leaves no run key without an expiry', async () => {
    const runId = newId('signals');
    const k6 = startK6Script(script, env(runId, { ROLLOUT_TIMEOUT: '60s', BASELINE: '30s' }));
    const deadline = Date.now() + 30_000;
    while ((await store.exists(`zdrun:${runId}:sessions`)) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    // The second signal lands before teardown() could set any expiry: only keys that got theirs when
    // they were created keep one.
    k6.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 10));
    k6.child.kill('SIGTERM');
    await k6.done;
    assert.ok((await store.keys(`zdrun:${runId}:*`)).includes(`zdrun:${runId}:sessions`), k6.output());
    // Planned: 30 s baseline + (60 s + 30 s) + 1 s cooldown + 60 s = 181 s, and 850 s more.
    await assertEveryKeyExpires(runId, 1031);
  });

  test('a failing audit names a session by a short hash of its id, never the id; its keys then expire soon', async () => {
    const runId = newId('audit');
    // No orders: the reference service re-checks a WebSocket's session on each order (and closes it).
    const e = env(runId, { BASELINE: '3s', COOLDOWN: '2s', ROLLOUT_TIMEOUT: '30s', ORDER_INTERVAL: '10m' });
    const k6 = startK6Script(script, e);
    // The test is the rollout actor (STRATEGY=none); before it reports the rollout done, it deletes the
    // store key of a WebSocket user's session, which that user keeps (its socket stays open).
    const sessions = `zdrun:${runId}:sessions`;
    const timeline = `zdrun:${runId}:timeline`;
    const deadline = Date.now() + 60_000;
    let sid: string | null = null;
    while (Date.now() < deadline && k6.child.exitCode === null) {
      sid ??= await store.hget(sessions, 'zd-user-w1');
      if (sid !== null && (await store.hget(timeline, 'rolloutRequested')) === '1') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(sid, `no session recorded for zd-user-w1:\n${k6.output()}`);
    assert.equal(await store.del(`zd:session:${sid}`), 1);
    await store.hset(timeline, 'podsReplaced', '1', 'replicas', '1', 'rolloutCompleted', '1');
    const run = await k6.done;

    const hash = createHash('sha256').update(sid).digest('hex').slice(0, 8);
    assert.equal(run.exitCode, 99, run.output);
    assert.match(run.output, new RegExp(`audit: session #${hash} of zd-user-w1 is missing`));
    const dir = join(e.REPORT_DIR as string, runId);
    for (const [where, text] of [
      ['output', run.output],
      ...readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
    ])
      assert.ok(!text?.includes(sid), `${where} holds the session id`);
    // After the audit the keys only serve the summary: 300 s; the timeline, the run id's claim, keeps
    // the run's own expiry (3 s + 60 s + 2 s + 60 s planned, and 850 s).
    for (const key of await store.keys(`zdrun:${runId}:*`)) {
      const ttl = await store.ttl(key);
      const most = key === timeline ? 975 : 300;
      assert.ok(ttl > 0 && ttl <= most, `${key} has ttl ${ttl}, expected at most ${most}`);
    }
    assert.ok((await store.ttl(sessions)) > 0, 'the sessions key was written and audited');
  });
});

/** Every key of the run has an expiry, and none longer than `mostSeconds` (the run's planned length). */
async function assertEveryKeyExpires(runId: string, mostSeconds: number): Promise<void> {
  const keys = await store.keys(`zdrun:${runId}:*`);
  assert.ok(keys.length > 0);
  for (const key of keys) {
    const ttl = await store.ttl(key);
    assert.ok(ttl > 0 && ttl <= mostSeconds, `${key} has ttl ${ttl}, expected at most ${mostSeconds}`);
  }
}
