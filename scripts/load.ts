/**
 * Load only: the http_users and ws_users of the main job, with no community extension, so it runs on
 * Grafana Cloud k6 public load zones while the rollout is triggered elsewhere (`rollout` entry, same
 * RUN_ID). With REDIS_URL it follows that run's timeline and records for its audit; without, it runs for
 * LOAD_DURATION and judges the invariants it can see from the client side.
 */
import { type Control, FixedDurationControl, RunControl } from './lib/control.ts';
import { httpUsers as runHttpUsers } from './lib/http-user.ts';
import { guardsFor, notCheckedBy, thresholdsFor } from './lib/invariants.ts';
import { scenarioOptions } from './lib/options.ts';
import { checkTarget } from './lib/preflight.ts';
import { runEnd } from './lib/run-end-loader.ts';
import { durationSetting, loadSettings, runIdFromSetup } from './lib/settings.ts';
import type { SummaryInput } from './lib/summary.ts';
import { wsUsers as runWsUsers } from './lib/ws-user.ts';

const { config, profile, thresholds } = loadSettings({ requireRedis: false });
const loadDurationMs = durationSetting('LOAD_DURATION', '2m');
const guards = guardsFor(config, { rollout: false, audit: false, profile });
const notChecked = notCheckedBy(profile);

export const options = {
  ...scenarioOptions(config, { http: 'httpUsers', ws: 'wsUsers' }, loadDurationMs + 60_000),
  thresholds: thresholdsFor(thresholds, guards, { audit: false, notChecked }),
};

function controlFor(runId: string): Control {
  return config.redisUrl ? new RunControl(config.redisUrl, runId) : new FixedDurationControl(loadDurationMs);
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
  return runEnd().summarize(data, config, guards, 'dist/load.js', { notChecked });
}
