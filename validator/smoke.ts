/**
 * A quick check of a target: one HTTP user and one WebSocket user for SMOKE_DURATION (default 10s), with
 * the client-side invariants of the strict profile and guards that they really ran. No rollout, no Redis.
 */
import { FixedDurationControl } from './run/control.ts';
import { checkTarget } from './run/preflight-target.ts';
import { runIdFromSetup } from './run/setup-data.ts';
import { scenarioOptions } from './settings/options.ts';
import { loadSettings } from './settings/settings.ts';
import { httpUsers as runHttpUsers } from './users/http-user.ts';
import { wsUsers as runWsUsers } from './users/ws-user.ts';
import { guardsFor, notCheckedBy, thresholdsFor } from './verdict/invariants.ts';
import { runEnd } from './verdict/run-end-loader.ts';
import type { SummaryInput } from './verdict/summary.ts';

const settings = loadSettings({ requireRedis: false });
const smokeMs = settings.config.smokeDurationMs;
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
const notChecked = notCheckedBy(profile, { rollout: false, strategy: config.strategy });

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
