/**
 * The rollout actor for STRATEGY=none: watches a run's control hash in Redis and performs each
 * requested rollout on the fleet, then reports it (the handshake documented in
 * validator/rollout/strategies/none.ts), and writes the fleet's pod lifecycle events (and each instance's
 * own URL, for readiness on drain) to the run's `pods` hash once the run has claimed its id, every 100 ms
 * while a rollout runs so that zerodrop sees each instance's deletion as it starts.
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
  const podsKey = `zdrun:${runId}:pods`;
  let written = 0;
  /** The fleet's lifecycle events not written yet; none before setup() claimed the run id. */
  const writePodEvents = async () => {
    const events = fleet.podEvents().slice(written);
    if (events.length === 0 || !(await redis.hexists(key, 'createdAt'))) return;
    const fields = events.flatMap((e) => [
      [`${e.pod}|${e.event}`, String(e.at)],
      ...(e.url ? [[`${e.pod}|url`, e.url]] : []),
    ]);
    await redis.hset(podsKey, Object.fromEntries(fields));
    await redis.expire(podsKey, 86_400);
    written += events.length;
  };
  let performed = 0;
  let stopped = false;
  let reject: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, r) => {
    reject = r;
  });
  failure.catch(() => {});
  // Commands that fail while Redis restarts (a test's fault) are retried every 200 ms for up to 30 s.
  const retried = async <T>(command: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await command();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const loop = (async () => {
    while (!stopped && performed < maxRollouts) {
      await retried(writePodEvents);
      const requested = Number((await retried(() => redis.hget(key, 'rolloutRequested'))) ?? 0);
      if (requested > performed) {
        const restart = fleet.rollingRestart();
        let restarting = true;
        const settled = restart.finally(() => {
          restarting = false;
        });
        settled.catch(() => {});
        while (restarting) {
          await retried(writePodEvents);
          await new Promise((r) => setTimeout(r, 100));
        }
        const pods = await restart;
        await retried(writePodEvents);
        performed++;
        await retried(() =>
          redis
            .multi()
            .hincrby(key, 'podsReplaced', pods)
            .hset(key, 'replicas', String(fleet.instances().length), 'rolloutCompleted', String(performed))
            .exec(),
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
