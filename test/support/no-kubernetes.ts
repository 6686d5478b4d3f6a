/**
 * One zero-downtime.js run without Kubernetes: a real Redis, a fleet of service instances behind a real
 * nginx that the harness rolls once (STRATEGY=none), and the real k6 with the tier's settings (a short
 * baseline and cooldown, a fast pace, a fifth of the users logging out and probing bad cookies).
 */
import { actOnRollouts } from './external-rollout.ts';
import { type FleetOptions, startFleet } from './fleet.ts';
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
  /** A fault injected while k6 runs. */
  fault?: (redis: RedisServer) => Promise<void>;
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

export async function validateWithoutKubernetes(run: NoKubernetesRun): Promise<K6Run> {
  const redis = await startRedis();
  const fleet = await startFleet({
    replicas: run.replicas,
    ...(run.service ? { service: run.service } : {}),
    env: run.env(redis.url),
    preStopMs: 500,
  });
  const runId = `${run.name}-${Date.now().toString(36)}`;
  const actor = actOnRollouts(redis.url, runId, fleet, 1);
  const injected = run.fault?.(redis);
  try {
    return await Promise.race([
      runK6(run.script ?? 'zero-downtime.js', {
        RUN_ID: runId,
        BASE_URL: fleet.url,
        REDIS_URL: redis.url,
        ...tierSettings,
        ...run.k6,
      }),
      actor.failure,
    ]);
  } finally {
    await injected;
    await actor.stop();
    await fleet.stop();
    await redis.stop();
  }
}
