/**
 * A k6 too slow for its users is named, not blamed on the service, and still ends on time: the real
 * bin/k6 against the real reference service and Redis, with one VU (one JavaScript event loop) holding
 * every WebSocket user of a feed far faster than that loop can handle. The other suite runs are the other
 * direction: they pass the same guard.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { type AppProcess, startApp } from '../support/app-process.ts';
import type { K6Report } from '../support/k6.ts';
import { startK6Script } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const script = join(import.meta.dirname, '../../dist/zero-downtime.js');
let redis: RedisServer;
let app: AppProcess;
let store: Redis;
let reports: string;

before(async () => {
  redis = await startRedis();
  app = await startApp({
    entry: 'dist/app/server.cjs',
    env: {
      REDIS_URL: redis.url,
      SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic',
      LOG_LEVEL: 'warn',
      // 100 messages a second to every socket (the service's fastest feed).
      FEED_INTERVAL_MS: '10',
    },
  });
  store = new Redis(redis.url);
  reports = mkdtempSync(join(tmpdir(), 'zd-saturation-'));
});

after(async () => {
  store.disconnect();
  await app.stop();
  await redis.stop();
  rmSync(reports, { recursive: true, force: true });
});

describe('a saturated k6', () => {
  test('fails the lag guard, diagnosed k6-saturated first, and every user still finishes', async () => {
    const runId = `saturated-${Date.now().toString(36)}`;
    const k6 = startK6Script(script, {
      RUN_ID: runId,
      BASE_URL: app.url,
      REDIS_URL: redis.url,
      REPORT_DIR: reports,
      STRATEGY: 'none',
      BASELINE: '6s',
      COOLDOWN: '3s',
      ROLLOUT_TIMEOUT: '30s',
      HTTP_USERS: '1',
      // 300 sockets × 100 messages a second on one VU's event loop: more than it can handle on any machine.
      WS_USERS: '300',
      USERS_PER_VU: '300',
    });
    // The test is the rollout actor (STRATEGY=none): it reports a rollout done as soon as one is asked.
    const timeline = `zdrun:${runId}:timeline`;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && k6.child.exitCode === null) {
      if ((await store.hget(timeline, 'rolloutRequested')) === '1') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await store.hset(timeline, 'podsReplaced', '1', 'replicas', '1', 'rolloutCompleted', '1');
    const run = await k6.done;

    assert.equal(run.exitCode, 99, run.output);
    const report = JSON.parse(readFileSync(join(reports, runId, 'summary.json'), 'utf8')) as K6Report;
    const row = (metric: string) => report.verdict.rows.find((r) => r.metric === metric);
    assert.equal(row('zd_k6_lag_ms')?.ok, false, JSON.stringify(row('zd_k6_lag_ms')));
    assert.equal(report.diagnosis?.findings[0]?.id, 'k6-saturated', JSON.stringify(report.diagnosis));
    // Behind by seconds, the sockets still closed when the run was over, not at k6's max duration.
    assert.equal(row('zd_users_finished')?.ok, true, JSON.stringify(row('zd_users_finished')));
    assert.match(run.output, /k6 fell behind its own users/);
    assert.match(run.output, /k6 is \d+ s behind its WebSocket messages: this VU closes its sockets/);
  });
});
