/**
 * A k6 too slow for its users is named, not blamed on the service, and still ends on time: the real
 * bin/k6 against the real reference service and Redis, with one VU (one JavaScript event loop) holding
 * every WebSocket user of a feed far faster than that loop can handle. The other suite runs are the other
 * direction: they pass the same guard.
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
      // 600 sockets × 100 messages a second on one VU's event loop for 20 s, and k6 held to one core (its socket
      // reads, GC and that loop share it), so k6 falls behind before the service does, however cheap
      // zerodrop's per-message work gets and however many cores the service finds.
      WS_USERS: '600',
      USERS_PER_VU: '600',
      GOMAXPROCS: '1',
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
