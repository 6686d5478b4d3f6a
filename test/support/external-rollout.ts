/**
 * The rollout actor for STRATEGY=none: watches a run's control hash in Redis and performs each
 * requested rollout on the fleet, then reports it (the handshake documented in validator/rollout/strategies/none.ts).
 */
import { Redis } from 'ioredis';
import type { Fleet } from './fleet.ts';

export interface RolloutActor {
  /** Rollouts performed so far. */
  readonly performed: number;
  stop(): Promise<void>;
  /** Rejects with the first rollout failure. */
  readonly failure: Promise<never>;
}

export function actOnRollouts(
  redisUrl: string,
  runId: string,
  fleet: Fleet,
  maxRollouts: number,
): RolloutActor {
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // ioredis reconnects by itself (a test may restart Redis); a failed command still rejects.
  redis.on('error', () => {});
  const key = `zdrun:${runId}:timeline`;
  let performed = 0;
  let stopped = false;
  let reject: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, r) => {
    reject = r;
  });
  failure.catch(() => {});
  const loop = (async () => {
    while (!stopped && performed < maxRollouts) {
      const requested = Number((await redis.hget(key, 'rolloutRequested')) ?? 0);
      if (requested > performed) {
        const pods = await fleet.rollingRestart();
        performed++;
        await redis.hincrby(key, 'podsReplaced', pods);
        await redis.hset(
          key,
          'replicas',
          String(fleet.instances().length),
          'rolloutCompleted',
          String(performed),
        );
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })().catch((error: Error) => reject(error));
  return {
    get performed() {
      return performed;
    },
    failure,
    async stop() {
      stopped = true;
      await loop;
      redis.disconnect();
    },
  };
}
