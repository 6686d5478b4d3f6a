/**
 * Load only: the http_users and ws_users of the main job, with no community extension, so it runs on
 * Grafana Cloud k6 public load zones while the rollout is triggered elsewhere (`rollout` entry, same
 * RUN_ID). With REDIS_URL it follows that run's timeline and records for its audit; without, it runs for
 * LOAD_DURATION and judges the invariants it can see from the client side.
 */
import { type Control, FixedDurationControl, RunControl } from './run/control.ts';
import { checkTarget } from './run/preflight-target.ts';
import { runIdFromSetup } from './run/setup-data.ts';
import { runKeysTtlSeconds, scenarioOptions } from './settings/options.ts';
import { sharedSettings } from './settings/shared.ts';
import { httpUsers as runHttpUsers } from './users/http-user.ts';
import { wsUsers as runWsUsers } from './users/ws-user.ts';
import { runEnd } from './verdict/run-end-loader.ts';
import type { SummaryInput } from './verdict/summary.ts';

const { config, profile, vuZero } = sharedSettings({ requireRedis: false });
const { loadDurationMs } = config;
/** VU 0 only: k6 takes the options (thresholds) and runs handleSummary there. */
const plan =
  vuZero &&
  runEnd().verdictPlan(config, profile, vuZero.thresholds, {
    rollout: false,
    strategy: config.strategy,
    audit: false,
  });

/** The load's longest run: LOAD_DURATION and a minute (it follows the rollout's timeline when it has Redis). */
const plannedMs = loadDurationMs + 60_000;

export const options = {
  ...scenarioOptions(config, { http: 'httpUsers', ws: 'wsUsers' }, plannedMs),
  thresholds: plan?.thresholds ?? {},
};

function controlFor(runId: string): Control {
  return config.redisUrl
    ? new RunControl(config.redisUrl, runId, runKeysTtlSeconds(plannedMs))
    : new FixedDurationControl(loadDurationMs);
}

export function setup(): { runId: string } {
  checkTarget(config, profile);
  return { runId: config.runId };
}

export async function httpUsers(data: unknown): Promise<void> {
  await runHttpUsers(config, profile, controlFor(runIdFromSetup(data)));
}

export async function wsUsers(data: unknown): Promise<void> {
  const runId = runIdFromSetup(data);
  await runWsUsers(config, profile, controlFor(runId), runId);
}

export function handleSummary(data: SummaryInput) {
  const { guards, notChecked } = plan ?? { guards: [], notChecked: [] };
  return runEnd().summarize(data, config, guards, 'dist/load.js', { notChecked });
}
