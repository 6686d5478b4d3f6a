/**
 * The rollout driver alone: waits out the baseline, rolls the Deployment ROLLOUTS times and publishes the
 * run's timeline to Redis (same RUN_ID as the `load` run it accompanies), so the load ends a cooldown
 * after the last rollout. Fails (exit 108) saying why when a rollout never starts or stalls.
 */
import { driveRollouts, repairAfterRainbow, stopOnRolloutFailure, strategyFor } from './rollout/driver.ts';
import { RunControl } from './run/control.ts';
import { claimReportFolder, claimRunId, runRecord } from './run/folder.ts';
import { checkCluster, checkRedis } from './run/preflight.ts';
import { runIdFromSetup } from './run/setup-data.ts';
import { maxDurationMs, runKeysTtlSeconds } from './settings/options.ts';
import { loadSettings } from './settings/settings.ts';
import { guardsFor, thresholdsFor } from './verdict/invariants.ts';
import { runEnd } from './verdict/run-end-loader.ts';
import type { SummaryInput } from './verdict/summary.ts';

const { config, profile } = loadSettings({ requireRedis: true });
const redisUrl = config.redisUrl as string;
/** The run keys live as long as the rollouts can (baseline, every rollout's timeout, cooldown) and a margin. */
const keyTtl = runKeysTtlSeconds(maxDurationMs(config));
const guards = guardsFor({ ...config, httpUsers: 0, wsUsers: 0 }, { rollout: true, audit: false }).filter(
  (g) =>
    g.metric !== 'zd_rollout_phase_samples' &&
    !g.metric.startsWith('zd_sessions') &&
    !g.metric.startsWith('zd_users'),
);

export const options = {
  scenarios: {
    rollout: {
      executor: 'per-vu-iterations' as const,
      vus: 1,
      iterations: 1,
      maxDuration: '2h',
      exec: 'rollout',
    },
  },
  thresholds: thresholdsFor({ description: 'rollout only', thresholds: {} }, guards, { audit: false }),
};

export async function setup(): Promise<{ runId: string }> {
  claimReportFolder(config.reportDir, config.runId);
  const control = new RunControl(redisUrl, config.runId, keyTtl);
  await checkRedis(config, control);
  await claimRunId(control, config.runId);
  checkCluster(config, profile);
  return { runId: config.runId };
}

export async function rollout(data: unknown): Promise<void> {
  const control = new RunControl(redisUrl, runIdFromSetup(data), keyTtl);
  await driveRollouts(config, control, strategyFor(config, profile, control));
}

export async function teardown(data: unknown): Promise<void> {
  if (config.strategy === 'rainbow') repairAfterRainbow(config, profile);
  await stopOnRolloutFailure(new RunControl(redisUrl, runIdFromSetup(data), keyTtl));
}

export function handleSummary(data: SummaryInput) {
  return runEnd().summarize(data, config, guards, 'dist/rollout.js', { record: runRecord });
}
