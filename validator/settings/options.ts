/**
 * k6 scenario options from the config: one long iteration per VU (each VU runs USERS_PER_VU users),
 * bounded by a computed max duration. Pure.
 */

import { formatSeconds } from './duration.ts';
import { vusFor } from './packing.ts';
import type { Config } from './registry.ts';

export interface ScenarioFunctions {
  http?: string;
  ws?: string;
  rollout?: string;
  /** The readiness-on-drain follower (readiness/follow.ts): one VU beside the rollout. */
  readiness?: string;
}

/** k6's bounds around the load: setup(), the scenarios' graceful stop, teardown() (the audit), handleSummary (k6's default). */
const setupTimeoutMs = 120_000;
const gracefulStopMs = 10_000;
const teardownTimeoutMs = 300_000;
const summaryTimeoutMs = 120_000;

/**
 * How long a run's control keys (`zdrun:<id>:*`, which hold the synthetic users' session ids) live from
 * their first write: the run's planned duration (`plannedMs`, its scenarios' max duration) plus what may
 * follow it — setup before, the graceful stop, teardown's audit and the summary after — and 5 minutes.
 */
export function runKeysTtlSeconds(plannedMs: number): number {
  return Math.ceil((k6LifetimeMs(plannedMs) + 240_000) / 1000);
}

/**
 * The longest a k6 run whose scenarios last at most `plannedMs` may take: setup, the load, the graceful
 * stop, teardown, the summary, and a minute. `make validate` stops a k6 that outlives it.
 */
export function k6LifetimeMs(plannedMs: number): number {
  return plannedMs + setupTimeoutMs + gracefulStopMs + teardownTimeoutMs + summaryTimeoutMs + 60_000;
}

/** After the audit the keys serve only the reports handleSummary writes: its bound and 3 minutes. */
export const reportKeysTtlSeconds = (summaryTimeoutMs + 180_000) / 1000;

/** Baseline + every rollout's timeout + cooldown + slack: the hard stop if the timeline never ends the load. */
export function maxDurationMs(
  config: Pick<Config, 'baselineMs' | 'rollouts' | 'rolloutTimeoutMs' | 'cooldownMs'>,
): number {
  return (
    config.baselineMs + config.rollouts * (config.rolloutTimeoutMs + 30_000) + config.cooldownMs + 60_000
  );
}

export function scenarioOptions(config: Config, fns: ScenarioFunctions, durationMs = maxDurationMs(config)) {
  const maxDuration = formatSeconds(durationMs);
  const longRun = (vus: number, exec: string) => ({
    executor: 'per-vu-iterations' as const,
    vus,
    iterations: 1,
    maxDuration,
    gracefulStop: formatSeconds(gracefulStopMs),
    exec,
  });
  const scenarios: Record<string, ReturnType<typeof longRun>> = {};
  if (fns.http && config.httpUsers > 0)
    scenarios.http_users = longRun(vusFor(config.httpUsers, config.usersPerVu), fns.http);
  if (fns.ws && config.wsUsers > 0)
    scenarios.ws_users = longRun(vusFor(config.wsUsers, config.usersPerVu), fns.ws);
  if (fns.rollout) scenarios.rollout = longRun(1, fns.rollout);
  if (fns.readiness) scenarios.readiness = longRun(1, fns.readiness);
  // k6 keeps `batchPerHost` idle connections per host and VU (default 6): below the users of a VU (plus the
  // 3 requests racing a logout) it would close and reopen connections all the time, and the users that
  // should reuse keep-alive connections would not.
  const idleConnections = config.usersPerVu + 3;
  return {
    scenarios,
    batch: Math.max(20, idleConnections),
    batchPerHost: Math.max(6, idleConnections),
    setupTimeout: formatSeconds(setupTimeoutMs),
    teardownTimeout: formatSeconds(teardownTimeoutMs),
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)', 'count'],
  };
}
