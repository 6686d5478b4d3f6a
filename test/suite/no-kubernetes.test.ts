/**
 * The integration tier without Kubernetes: the real bin/k6 runs dist/zero-downtime.js (STRATEGY=none)
 * against three reference-service processes behind a real nginx, with a real Redis, while a harness
 * rolls the processes one at a time with SIGTERM. The good service passes; each known-bad mode fails
 * on its matching invariant.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detections, diagnoses } from '../support/detections.ts';
import { actOnRollouts } from '../support/external-rollout.ts';
import { startFleet } from '../support/fleet.ts';
import { diagnosedIds, failedMetrics, type K6Run, runK6 } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const only = process.env.ZD_MODES?.split(',');
/** ZD_FULL_SCALE=1 runs the good service at the default 300 HTTP + 200 WebSocket users. */
const fullScale = process.env.ZD_FULL_SCALE === '1';
const selected = (mode: string) => !only || only.includes(mode);

const appEnv = (redisUrl: string, mode: string): Record<string, string> => ({
  REDIS_URL: redisUrl,
  BAD_MODE: mode,
  SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic',
  DRAIN_SECONDS: '2',
  SHUTDOWN_TIMEOUT_SECONDS: '10',
  LOG_LEVEL: 'warn',
});

async function validate(mode: string, users: { http: number; ws: number; perVu?: number }): Promise<K6Run> {
  const redis: RedisServer = await startRedis();
  const fleet = await startFleet({ replicas: 3, env: appEnv(redis.url, mode), preStopMs: 500 });
  const runId = `nok8s-${mode}-${Date.now().toString(36)}`;
  const actor = actOnRollouts(redis.url, runId, fleet, 1);
  try {
    const run = await Promise.race([
      runK6('zero-downtime.js', {
        RUN_ID: runId,
        BASE_URL: fleet.url,
        REDIS_URL: redis.url,
        STRATEGY: 'none',
        ROLLOUTS: '1',
        ROLLOUT_TIMEOUT: '90s',
        BASELINE: '4s',
        COOLDOWN: '4s',
        HTTP_USERS: String(users.http),
        WS_USERS: String(users.ws),
        ...(users.perVu ? { USERS_PER_VU: String(users.perVu) } : {}),
        HTTP_PACE: '500ms',
        ORDER_INTERVAL: '1s',
        LOGOUT_SHARE: '0.2',
        NEGATIVE_AUTH_SHARE: '0.2',
      }),
      actor.failure,
    ]);
    return run;
  } finally {
    await actor.stop();
    await fleet.stop();
    await redis.stop();
  }
}

describe('zero-downtime.js against processes behind nginx (no Kubernetes)', { concurrency: 1 }, () => {
  test('the good service passes every invariant and guard through a rolling restart', {
    skip: !selected('none'),
  }, async () => {
    const run = await validate('none', fullScale ? { http: 300, ws: 200 } : { http: 60, ws: 40 });
    assert.equal(run.exitCode, 0, `expected a pass, got exit ${run.exitCode}:\n${run.output.slice(-4000)}`);
    assert.equal(run.report?.verdict.passed, true);
    assert.deepEqual(failedMetrics(run), []);
    assert.deepEqual(
      run.report?.diagnosis,
      { findings: [], unexplained: [] },
      'a pass has no failure signature',
    );
  });

  test('the good service also passes with one user per VU (USERS_PER_VU=1)', {
    skip: !selected('none'),
  }, async () => {
    const run = await validate('none', { http: 30, ws: 20, perVu: 1 });
    assert.equal(run.exitCode, 0, `expected a pass, got exit ${run.exitCode}:\n${run.output.slice(-4000)}`);
    assert.deepEqual(failedMetrics(run), []);
    assert.equal(run.report?.meta.users.perVu, 1);
  });

  for (const [mode, invariants] of Object.entries(detections)) {
    test(`BAD_MODE=${mode} fails on ${invariants.join(' or ')}`, { skip: !selected(mode) }, async () => {
      const run = await validate(mode, { http: 30, ws: 20 });
      assert.equal(
        run.exitCode,
        99,
        `expected a threshold failure (99), got ${run.exitCode}:\n${run.output.slice(-4000)}`,
      );
      const failed = failedMetrics(run);
      assert.ok(
        invariants.some((i) => failed.includes(i)),
        `expected one of ${invariants.join(', ')} to fail; failed: ${failed.join(', ')}`,
      );
      const expected = diagnoses[mode as keyof typeof diagnoses];
      assert.ok(
        diagnosedIds(run).includes(expected),
        `expected the diagnosis to name ${expected}; it named: ${diagnosedIds(run).join(', ') || 'nothing'}\n${JSON.stringify(run.report?.diagnosis, null, 2)}`,
      );
    });
  }
});
