/**
 * zerodrop's main job: authenticated HTTP and WebSocket users under load while the rollout driver rolls
 * the Deployment, then a Redis audit, then the verdict. Thresholds fail the run with exit code 99; a bad
 * setting stops it before any load (107 in the init context, 108 in setup).
 */

import { availableMemory, FeedReader, IdentityChecker, sharedReadings } from 'k6/x/zerodrop';
import { followReadiness } from './readiness/follow.ts';
import { driveRollouts, repairAfterRainbow, stopOnRolloutFailure, strategyFor } from './rollout/driver.ts';
import { RunControl } from './run/control.ts';
import { claimReportFolder, claimRunId, runRecord } from './run/folder.ts';
import { checkCluster, checkRedis, checkTarget, stopSetup } from './run/preflight.ts';
import { isTransient } from './run/redis-retry.ts';
import { runIdFromSetup } from './run/setup-data.ts';
import { maxDurationMs, runKeysTtlSeconds, scenarioOptions } from './settings/options.ts';
import { sharedSettings } from './settings/shared.ts';
import { httpUsers as runHttpUsers } from './users/http-user.ts';
import { wsUsers as runWsUsers } from './users/ws-user.ts';
import { runEnd } from './verdict/run-end-loader.ts';
import type { SummaryInput } from './verdict/summary.ts';

const { config, profile, vuZero } = sharedSettings({ requireRedis: true }, availableMemory);
const redisUrl = config.redisUrl as string;
/** VU 0 only: k6 takes the options (scenarios, thresholds), runs teardown and handleSummary there. */
const plan =
  vuZero &&
  runEnd().verdictPlan(config, profile, vuZero.thresholds, {
    rollout: true,
    strategy: config.strategy,
    audit: true,
  });
/** The run keys live as long as this run can (its planned duration and a margin), not a day. */
const keyTtl = runKeysTtlSeconds(maxDurationMs(config));
/** Run control for a scenario's VU, from setup's run id, sharing the timeline's readings with the other VUs. */
const runControl = (data: unknown) =>
  new RunControl(redisUrl, runIdFromSetup(data), keyTtl, sharedReadings());

export const options = {
  ...scenarioOptions(config, {
    http: 'httpUsers',
    ws: 'wsUsers',
    rollout: 'rollout',
    ...(plan?.readinessChecked ? { readiness: 'readiness' } : {}),
  }),
  thresholds: plan?.thresholds ?? {},
};

export async function setup(): Promise<{ runId: string }> {
  claimReportFolder(config.reportDir, config.runId);
  checkTarget(config, profile);
  const control = new RunControl(redisUrl, config.runId, keyTtl);
  await checkRedis(config, control);
  await claimRunId(control, config.runId);
  checkCluster(config, profile);
  console.log(
    `zerodrop run ${config.runId}: ${config.httpUsers} HTTP + ${config.wsUsers} WebSocket users (${config.usersPerVu} per VU), ${config.rollouts} ${config.strategy} rollout(s)`,
  );
  if (config.proveLossBelow !== null)
    console.log(runEnd().proofPlan({ ...config, proveLossBelow: config.proveLossBelow }));
  return { runId: config.runId };
}

export async function httpUsers(data: unknown): Promise<void> {
  await runHttpUsers(config, profile, runControl(data), IdentityChecker);
}

export async function wsUsers(data: unknown): Promise<void> {
  await runWsUsers(config, profile, runControl(data), runIdFromSetup(data), FeedReader);
}

export async function rollout(data: unknown): Promise<void> {
  const control = runControl(data);
  await driveRollouts(config, control, strategyFor(config, profile, control));
}

export async function readiness(data: unknown): Promise<void> {
  await followReadiness(config, profile, runControl(data));
}

export async function teardown(data: unknown): Promise<void> {
  if (config.strategy === 'rainbow') repairAfterRainbow(config, profile);
  const control = runControl(data);
  try {
    await stopOnRolloutFailure(control);
    if (plan?.readinessChecked) await runEnd().judgeReadinessOnDrain(config, control);
    const counts = await runEnd().auditStore(profile, control);
    console.log(`audit: ${counts.sessions} sessions, ${counts.orders} orders checked`);
  } catch (error) {
    if (!isTransient(error)) throw error;
    stopSetup('REDIS_URL', `the audit cannot reach Redis: ${String(error)}`);
  }
}

export function handleSummary(data: SummaryInput) {
  const { guards, notChecked } = plan ?? { guards: [], notChecked: [] };
  return runEnd().summarize(data, config, guards, 'dist/zero-downtime.js', { notChecked, record: runRecord });
}
