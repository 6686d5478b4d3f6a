/**
 * One zero-downtime.js run without Kubernetes: a real Redis, a fleet of service instances behind a real
 * nginx that the harness rolls once (STRATEGY=none), and the real k6 with the tier's settings (a short
 * baseline and cooldown, a fast pace, a fifth of the users logging out and probing bad cookies).
 */

import { newRunId } from '../../validator/run/run-id.ts';
import { actOnRollouts } from './external-rollout.ts';
import { type Fleet, type FleetOptions, startFleet } from './fleet.ts';
import { type K6Run, runK6 } from './k6.ts';
import { type RedisServer, startRedis } from './redis.ts';

export interface NoKubernetesRun {
  /** Prefix of the run id. */
  name: string;
  replicas: number;
  service?: FleetOptions['service'];
  /** The instances' environment, given the Redis URL. */
  env: (redisUrl: string) => Record<string, string>;
  /** k6 settings over the tier's. */
  k6?: Record<string, string>;
  /** The bundle to run: a file of dist/ or an absolute path (default zero-downtime.js). */
  script?: string;
  /** A fault injected while k6 runs (in Redis, or in the fleet: its load balancer, its instances). */
  fault?: (redis: RedisServer, fleet: Fleet) => Promise<void>;
  /** Also write k6's web dashboard export to reports/<runId>/dashboard.html. */
  dashboard?: boolean;
}

const tierSettings: Record<string, string> = {
  STRATEGY: 'none',
  ROLLOUTS: '1',
  ROLLOUT_TIMEOUT: '90s',
  BASELINE: '4s',
  COOLDOWN: '4s',
  HTTP_USERS: '30',
  WS_USERS: '20',
  HTTP_PACE: '500ms',
  ORDER_INTERVAL: '1s',
  LOGOUT_SHARE: '0.2',
  NEGATIVE_AUTH_SHARE: '0.2',
};

/** The reference service's environment in this tier, in a known-bad mode (`none`: the good service). */
export const referenceEnv = (redisUrl: string, mode: string): Record<string, string> => ({
  REDIS_URL: redisUrl,
  BAD_MODE: mode,
  SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic',
  DRAIN_SECONDS: '2',
  SHUTDOWN_TIMEOUT_SECONDS: '10',
  LOG_LEVEL: 'warn',
});

export async function validateWithoutKubernetes(run: NoKubernetesRun): Promise<K6Run> {
  const redis = await startRedis();
  const fleet = await startFleet({
    replicas: run.replicas,
    ...(run.service ? { service: run.service } : {}),
    env: run.env(redis.url),
    preStopMs: 500,
  });
  const runId = newRunId(run.name);
  const actor = actOnRollouts(redis.url, runId, fleet, 1);
  // A failed rollout actor stops k6 at once (nothing else would end the run before ROLLOUT_TIMEOUT and
  // the cooldown, and k6 would outlive this call), and its error is what the run rejects with.
  const stopK6 = new AbortController();
  const actorFailed: { error?: Error } = {};
  actor.failure.catch((error: Error) => {
    actorFailed.error = error;
    stopK6.abort();
  });
  const injected = run.fault?.(redis, fleet);
  try {
    const result = await runK6(
      run.script ?? 'zero-downtime.js',
      { RUN_ID: runId, BASE_URL: fleet.url, REDIS_URL: redis.url, ...tierSettings, ...run.k6 },
      undefined,
      { stop: stopK6.signal, dashboard: run.dashboard ?? false },
    );
    if (actorFailed.error) {
      throw new Error(
        `the rollout actor failed (k6 stopped, exit ${result.exitCode}): ${actorFailed.error.message}`,
        { cause: actorFailed.error },
      );
    }
    return result;
  } finally {
    await injected;
    await actor.stop();
    await fleet.stop();
    await redis.stop();
  }
}
