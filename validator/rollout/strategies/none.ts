/**
 * Strategy `none`: zerodrop does not touch Kubernetes; something else performs the rollout (a CD
 * pipeline, or the integration tier's process harness). The handshake goes through the run's control
 * hash in Redis (`zdrun:<runId>:timeline`):
 *   zerodrop  HSET rolloutRequested <k>
 *   actor     performs rollout k, then HINCRBY podsReplaced <n>, HSET replicas <r>, HSET rolloutCompleted <k>
 * zerodrop waits for rolloutCompleted ≥ k within ROLLOUT_TIMEOUT.
 * For the report's pod lanes the actor may also write each instance's lifecycle, once per event:
 *   actor     HSET zdrun:<runId>:pods <pod>|<event> <epoch ms>   (created, ready, unready, terminating, gone)
 * (`<pod>` as the service names itself in its attribution; terminating = taken out of rotation).
 */
import { sleep } from 'k6';
import type { RunControl } from '../../run/control.ts';
import type { Config } from '../../settings/registry.ts';
import type { RolloutOutcome, RolloutStrategy } from '../driver.ts';

export function externalRollout(config: Config, control: RunControl): RolloutStrategy {
  let podsBefore = 0;
  const roll = async (index: number): Promise<RolloutOutcome> => {
    const started = Date.now();
    await control.mark('rolloutRequested', index);
    while (Date.now() - started < config.rolloutTimeoutMs) {
      const hash = await control.client.hgetall(control.key('timeline'));
      if (Number(hash.rolloutCompleted ?? 0) >= index) {
        const podsTotal = Number(hash.podsReplaced ?? 0);
        const podsReplaced = podsTotal - podsBefore;
        podsBefore = podsTotal;
        return {
          ok: true,
          podsReplaced,
          replicas: Number(hash.replicas ?? podsReplaced),
          durationMs: Date.now() - started,
          detail: 'reported by the external rollout actor',
        };
      }
      sleep(0.25);
    }
    return {
      ok: false,
      podsReplaced: 0,
      replicas: 0,
      durationMs: Date.now() - started,
      detail: `STRATEGY=none: no external actor reported rollout ${index} complete within ${config.rolloutTimeoutMs / 1000}s (it must HSET zdrun:${config.runId}:timeline rolloutCompleted ${index})`,
    };
  };
  return { roll };
}
