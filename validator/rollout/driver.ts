/**
 * The rollout scenario (one VU): waits out the baseline, triggers K rollouts in sequence with the
 * configured strategy, waits for each to finish, records durations and pods replaced, publishes the
 * timeline so the load ends a cooldown after the last rollout (which the strategy may spend following
 * what it changed), and fails the run saying why when a rollout never starts or stalls.
 */

import { sleep } from 'k6';
import exec from 'k6/execution';
import type { TargetProfile } from '../profile/profile.ts';
import type { Control, RunControl } from '../run/control.ts';
import type { Config } from '../settings/registry.ts';
import { metrics } from '../verdict/metrics.ts';
import { externalRollout } from './strategies/none.ts';
import { rainbowRollout, repairRainbow } from './strategies/rainbow.ts';
import { rollingRollout } from './strategies/rolling.ts';

export interface RolloutOutcome {
  ok: boolean;
  podsReplaced: number;
  /** Replicas that should have been replaced. */
  replicas: number;
  durationMs: number;
  detail: string;
}

export interface RolloutStrategy {
  /** Rollout `index` (from 1), triggered and followed to its end. */
  roll(index: number): Promise<RolloutOutcome>;
  /**
   * After the last rollout, until the load stops at `untilMs`: what the strategy still follows (rainbow:
   * the deleted colors' pods, so the report's lanes show them gone).
   */
  settle?(untilMs: number): Promise<void>;
}

export function strategyFor(
  config: Config,
  profile: TargetProfile,
  control: RunControl | null,
): RolloutStrategy {
  switch (config.strategy) {
    case 'rolling':
      return rollingRollout(config, profile, control ? (fields) => control.recordPods(fields) : undefined);
    case 'none':
      if (!control)
        throw new Error('REDIS_URL: is required with STRATEGY=none (the external rollout handshake)');
      return externalRollout(config, control);
    case 'rainbow':
      return rainbowRollout(config, profile, control ? (fields) => control.recordPods(fields) : undefined);
  }
}

export async function driveRollouts(
  config: Config,
  control: Control,
  strategy: RolloutStrategy,
): Promise<void> {
  sleep(config.baselineMs / 1000);
  await control.mark('rolloutStart', Date.now());
  for (let index = 1; index <= config.rollouts; index++) {
    console.log(`rollout ${index}/${config.rollouts} (${config.strategy}): triggering`);
    // Each rollout's window, for the report's timeline (phase.ts rolloutWindows).
    await control.mark(`rollout:${index}:start`, Date.now());
    const outcome = await strategy.roll(index);
    await control.mark(`rollout:${index}:end`, Date.now());
    if (!outcome.ok) {
      // The load ends now; teardown() stops the run (108) with this line: an abort here, in a VU, would
      // carry the script's file location.
      await control.mark('rolloutFailure', `rollout ${index}/${config.rollouts} failed: ${outcome.detail}`);
      await control.mark('rolloutEnd', Date.now());
      await control.endAt(Date.now());
      return;
    }
    metrics.zd_rollouts_completed.add(1);
    metrics.zd_rollout_duration_ms.add(outcome.durationMs);
    metrics.zd_pods_replaced.add(outcome.podsReplaced);
    metrics.zd_pods_not_replaced.add(Math.max(0, outcome.replicas - outcome.podsReplaced));
    console.log(
      `rollout ${index}/${config.rollouts}: complete in ${(outcome.durationMs / 1000).toFixed(1)}s, ${outcome.podsReplaced}/${outcome.replicas} pods replaced`,
    );
  }
  const end = Date.now();
  await control.mark('rolloutEnd', end);
  await control.endAt(end + config.cooldownMs);
  await strategy.settle?.(end + config.cooldownMs);
}

/** teardown(): a failed rollout stops the run (exit 108) with its one line. */
export async function stopOnRolloutFailure(control: RunControl): Promise<void> {
  const failure = (await control.client.hgetall(control.key('timeline'))).rolloutFailure;
  if (failure) exec.test.abort(failure);
}

/** Teardown of rainbow runs (also after an interrupt): exactly one healthy color selected, at most N alive. */
export function repairAfterRainbow(config: Config, profile: TargetProfile): void {
  try {
    const done = repairRainbow(config, profile);
    if (done.length > 0) console.warn(`rainbow repair: ${done.join(', ')}`);
  } catch (error) {
    console.error(`rainbow repair failed: ${String(error)}: run make rainbow-cleanup`);
  }
}
