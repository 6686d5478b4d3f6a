/**
 * A quick check of a target: one HTTP user and one WebSocket user for SMOKE_DURATION (default 10s), with
 * the client-side invariants of the strict profile and guards that they really ran. No rollout, no Redis.
 */
import { FixedDurationControl } from './lib/control.ts';
import { httpUsers as runHttpUsers } from './lib/http-user.ts';
import { guardsFor, notCheckedBy, thresholdsFor } from './lib/invariants.ts';
import { scenarioOptions } from './lib/options.ts';
import { checkTarget } from './lib/preflight.ts';
import { runEnd } from './lib/run-end-loader.ts';
import { durationSetting, loadSettings, runIdFromSetup } from './lib/settings.ts';
import type { SummaryInput } from './lib/summary.ts';
import { wsUsers as runWsUsers } from './lib/ws-user.ts';

const smokeMs = durationSetting('SMOKE_DURATION', '10s');
const settings = loadSettings({ requireRedis: false });
const config = {
  ...settings.config,
  httpUsers: 1,
  wsUsers: 1,
  usersPerVu: 1,
  redisUrl: null,
  negativeAuthShare: 1,
  logoutShare: 0,
};
const { profile, thresholds } = settings;
const guards = guardsFor(config, { rollout: false, audit: false, profile });
const notChecked = notCheckedBy(profile);

export const options = {
  ...scenarioOptions(config, { http: 'httpUsers', ws: 'wsUsers' }, smokeMs + 30_000),
  thresholds: thresholdsFor(thresholds, guards, { audit: false, notChecked }),
};

export function setup(): { runId: string } {
  checkTarget(config, profile);
  return { runId: config.runId };
}

export async function httpUsers(): Promise<void> {
  await runHttpUsers(config, profile, new FixedDurationControl(smokeMs));
}

export async function wsUsers(data: unknown): Promise<void> {
  const runId = runIdFromSetup(data);
  await runWsUsers(config, profile, new FixedDurationControl(smokeMs), runId);
}

export function handleSummary(data: SummaryInput) {
  return runEnd().summarize(data, config, guards, 'dist/smoke.js', { notChecked });
}
