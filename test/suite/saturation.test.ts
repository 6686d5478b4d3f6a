/**
 * A k6 too slow for its users is named, not blamed on the service, and still ends on time: the real
 * bin/k6 against the real reference service and Redis, with one VU (one JavaScript event loop) holding
 * every WebSocket user of a fast feed, and k6 starved of CPU for 12 s while the feed goes on. The other
 * suite runs are the other direction: they pass the same guard.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { K6Report } from '../support/k6.ts';
import { startK6Script } from '../support/k6.ts';
import { type ReferenceTarget, startReferenceTarget } from '../support/reference-target.ts';

const script = join(import.meta.dirname, '../../dist/zero-downtime.js');
let target: ReferenceTarget;

before(async () => {
  // 100 messages a second to every socket (the service's fastest feed).
  target = await startReferenceTarget('zd-saturation-', { FEED_INTERVAL_MS: '10' });
});

after(async () => {
  await target.stop();
});

describe('a saturated k6', () => {
  test('fails the lag guard, diagnosed k6-saturated first, and every user still finishes', async () => {
    const { app, redis, store, reports } = target;
    const runId = `saturated-${Date.now().toString(36)}`;
    const k6 = startK6Script(script, {
      RUN_ID: runId,
      BASE_URL: app.url,
      REDIS_URL: redis.url,
      REPORT_DIR: reports,
      STRATEGY: 'none',
      BASELINE: '20s',
      COOLDOWN: '3s',
      ROLLOUT_TIMEOUT: '30s',
      HTTP_USERS: '1',
      // 600 sockets × 100 messages a second on one VU's event loop, k6 held to one core.
      WS_USERS: '600',
      USERS_PER_VU: '600',
      GOMAXPROCS: '1',
    });
    // k6 is stopped for 12 s once its sockets are up, as a starved load generator is: the service goes on
    // sending, and k6 comes back to 700,000 messages queued. How fast k6 or the service is on this
    // machine then decides nothing: no k6 works through that backlog in the 15 s after which its users
    // give up, and its lag monitor's ticks come 12 s late.
    const starved = (async () => {
      const sessions = `zdrun:${runId}:sessions`;
      const upBy = Date.now() + 30_000;
      while (Date.now() < upBy && k6.child.exitCode === null && (await store.hlen(sessions)) < 600)
        await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 2000));
      k6.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 12_000));
      k6.child.kill('SIGCONT');
    })();
    // The test is the rollout actor (STRATEGY=none): it reports a rollout done as soon as one is asked.
    const timeline = `zdrun:${runId}:timeline`;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && k6.child.exitCode === null) {
      if ((await store.hget(timeline, 'rolloutRequested')) === '1') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await store.hset(timeline, 'podsReplaced', '1', 'replicas', '1', 'rolloutCompleted', '1');
    await starved;
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
