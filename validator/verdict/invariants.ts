/**
 * What a run checks. Invariants are what a zero-downtime rollout must keep (their limits come from a
 * threshold profile in thresholds/); guards make a run in which nothing happened fail, because a k6
 * threshold on a metric with no samples passes silently. Pure: no k6 imports.
 */

import type { TargetProfile } from '../profile/profile.ts';
import { hasFrame, hasOrders } from '../profile/profile.ts';
import type { Config } from '../settings/registry.ts';
import { formatCount, trialsToProve } from './bounds.ts';
import { type InvariantMetric, invariantTitles, type MetricName } from './catalog.ts';

export interface Check {
  metric: MetricName;
  title: string;
}

/**
 * What each count invariant counts its events among: the denominator of the statement a passing run
 * makes ("0 lost of 120,466 feed messages: loss rate < 2.5 × 10⁻⁵ at 95 % confidence", bounds.ts).
 * `metric` is the counter of trials; `rate` (for a Rate invariant) takes its zeros as the events and all
 * its samples as the trials. Trials counted without their events (messages received, not lost) set
 * `withoutEvents`. An invariant without an entry states nothing (WebSocket frames are not counted).
 */
export interface Denominator {
  metric: MetricName;
  /** The events, as a participle after the count: "0 lost". */
  events: string;
  /** The trials, after "of": "of 120,466 feed messages". */
  trials: string;
  /** What the bound bounds: "loss rate". */
  rate: string;
  withoutEvents?: boolean;
}

export const denominators: Partial<Record<InvariantMetric, Denominator>> = {
  zd_auth_lost: {
    metric: 'zd_requests',
    events: 'rejected',
    trials: 'authenticated requests',
    rate: 'rejection rate',
  },
  zd_identity_changed: {
    metric: 'zd_requests',
    events: 'changed',
    trials: 'identity responses',
    rate: 'identity-change rate',
  },
  zd_http_5xx: { metric: 'zd_requests', events: '5xx', trials: 'requests', rate: '5xx rate' },
  zd_http_conn_errors: {
    metric: 'zd_requests',
    events: 'failed',
    trials: 'requests',
    rate: 'connection-error rate',
  },
  zd_negative_auth_wrong: {
    metric: 'zd_negative_auth_probes',
    events: 'answered wrongly',
    trials: 'bad-cookie probes',
    rate: 'wrong-answer rate',
  },
  zd_logout_ineffective: {
    metric: 'zd_logouts',
    events: 'ineffective',
    trials: 'logouts',
    rate: 'ineffective-logout rate',
  },
  zd_ws_abnormal_closes: {
    metric: 'zd_ws_connections',
    events: 'closed abnormally',
    trials: 'WebSocket connections',
    rate: 'abnormal-close rate',
  },
  zd_ws_connect_errors: {
    metric: 'zd_ws_connections',
    events: 'failed',
    trials: 'WebSocket handshakes',
    rate: 'handshake failure rate',
  },
  zd_msgs_lost: {
    metric: 'zd_msgs_received',
    events: 'lost',
    trials: 'feed messages',
    rate: 'loss rate',
    withoutEvents: true,
  },
  zd_msgs_duplicated: {
    metric: 'zd_msgs_received',
    events: 'duplicated',
    trials: 'feed messages',
    rate: 'duplicate rate',
  },
  zd_orders_unacked: {
    metric: 'zd_orders_sent',
    events: 'unacknowledged',
    trials: 'orders',
    rate: 'unacknowledged rate',
  },
  zd_orders_applied_twice: {
    metric: 'zd_orders_sent',
    events: 'applied twice',
    trials: 'orders',
    rate: 'double-apply rate',
  },
  zd_session_persisted: {
    metric: 'zd_session_persisted',
    events: 'lost their session',
    trials: 'users',
    rate: 'session-loss rate',
  },
  zd_audit_sessions_missing: {
    metric: 'zd_audit_sessions',
    events: 'missing',
    trials: 'live sessions audited',
    rate: 'missing-session rate',
  },
  zd_audit_null_values: {
    metric: 'zd_audit_sessions',
    events: 'null',
    trials: 'sessions audited',
    rate: 'null-value rate',
  },
  zd_audit_logged_out_alive: {
    metric: 'zd_audit_logouts',
    events: 'still alive',
    trials: 'logged-out sessions audited',
    rate: 'surviving-logout rate',
  },
  zd_audit_orders_not_once: {
    metric: 'zd_audit_orders',
    events: 'not applied once',
    trials: 'acknowledged orders audited',
    rate: 'not-exactly-once rate',
  },
  zd_audit_session_ttl_short: {
    metric: 'zd_audit_session_ttls',
    events: 'expiring early',
    trials: 'session lifetimes audited',
    rate: 'early-expiry rate',
  },
  zd_readiness_on_drain: {
    metric: 'zd_readiness_pods',
    events: 'ready while draining',
    trials: 'replaced pods',
    rate: 'ready-while-draining rate',
  },
  zd_readiness_served_after_unready: {
    metric: 'zd_readiness_pods',
    events: 'serving new connections late',
    trials: 'replaced pods',
    rate: 'late-connection rate',
  },
};

export interface ThresholdProfile {
  description: string;
  thresholds: Partial<Record<InvariantMetric, string[]>>;
}

export function validateThresholdProfile(name: string, data: unknown): ThresholdProfile {
  const profile = data as ThresholdProfile;
  if (
    typeof profile?.description !== 'string' ||
    typeof profile.thresholds !== 'object' ||
    !profile.thresholds
  ) {
    throw new Error(`THRESHOLDS: profile '${name}' must have a description and a thresholds object`);
  }
  const invariants = invariantTitles();
  for (const [metric, rules] of Object.entries(profile.thresholds)) {
    if (!Object.hasOwn(invariants, metric))
      throw new Error(`THRESHOLDS: profile '${name}' names unknown metric '${metric}'`);
    if (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string')) {
      throw new Error(`THRESHOLDS: profile '${name}': ${metric} must be a list of threshold expressions`);
    }
  }
  return profile;
}

/** An invariant the profile gives no inputs for: reported as not checked, never passed silently. */
export interface NotChecked {
  metric: InvariantMetric;
  title: string;
  /** e.g. "the profile lacks http.logout". */
  reason: string;
}

/**
 * What each invariant reads from the target profile, beyond the login and identity every profile has.
 * Built on each call: read in the init context only, not held in every VU.
 */
function invariantNeeds(): Partial<Record<InvariantMetric, (p: TargetProfile) => string | null>> {
  return {
    zd_logout_ineffective: (p) => (p.http.logout ? null : 'http.logout'),
    zd_ws_abnormal_closes: (p) => (p.websocket ? null : 'websocket'),
    zd_ws_connect_errors: (p) => (p.websocket ? null : 'websocket'),
    zd_ws_bad_frames: (p) => (p.websocket ? null : 'websocket'),
    zd_reconnect_ms: (p) => (p.websocket ? null : 'websocket'),
    zd_msgs_lost: (p) => (hasFrame(p, 'feed') ? null : 'websocket.frames.feed'),
    zd_msgs_duplicated: (p) => (hasFrame(p, 'feed') ? null : 'websocket.frames.feed'),
    zd_orders_unacked: (p) => (hasOrders(p) ? null : 'websocket.order'),
    zd_orders_applied_twice: (p) => (hasOrders(p) ? null : 'websocket.order'),
    zd_audit_sessions_missing: (p) => (p.redis?.session ? null : 'redis.session'),
    zd_audit_null_values: (p) => (p.redis?.session ? null : 'redis.session'),
    zd_audit_logged_out_alive: (p) =>
      !p.redis?.session ? 'redis.session' : p.http.logout ? null : 'http.logout',
    zd_audit_orders_not_once: (p) =>
      !p.redis?.orders ? 'redis.orders' : hasOrders(p) ? null : 'websocket.order',
    zd_audit_session_ttl_short: (p) =>
      !p.redis?.session ? 'redis.session' : p.redis.session.idleTimeout ? null : 'redis.session.idleTimeout',
  };
}

/** The readiness invariants: what a run follows of the pods it replaces (validator/readiness/). */
export const readinessInvariants = ['zd_readiness_on_drain', 'zd_readiness_served_after_unready'] as const;

/** What a run does beyond its users, for what it can check. */
export interface RunKind {
  /** Whether the run replaces pods (false: load or smoke only). */
  rollout: boolean;
  strategy: Config['strategy'];
}

/** Why readiness on drain is not checked in this run, or null when it is. */
export function readinessNotChecked(profile: TargetProfile, run: RunKind): string | null {
  if (!run.rollout) return 'this run replaces no pods';
  switch (run.strategy) {
    case 'none':
      return profile.http.readiness ? null : 'the profile lacks http.readiness';
    case 'rolling':
      return null; // the Service's EndpointSlices
    case 'rainbow':
      return 'STRATEGY=rainbow: old pods leave the Service at the selector switch, not when they are deleted';
  }
}

/**
 * Invariants the run cannot feed: the profile lacks their inputs, or (readiness) the run replaces no pods
 * the way the check follows them. Without `run`, a rollout with STRATEGY=none.
 */
export function notCheckedBy(
  profile: TargetProfile,
  run: RunKind = { rollout: true, strategy: 'none' },
): NotChecked[] {
  const out: NotChecked[] = [];
  const invariants = invariantTitles();
  for (const [metric, need] of Object.entries(invariantNeeds()) as [
    InvariantMetric,
    (p: TargetProfile) => string | null,
  ][]) {
    const lacking = need(profile);
    if (lacking !== null)
      out.push({ metric, title: invariants[metric], reason: `the profile lacks ${lacking}` });
  }
  const readiness = readinessNotChecked(profile, run);
  if (readiness !== null)
    for (const metric of readinessInvariants)
      out.push({ metric, title: invariants[metric], reason: readiness });
  return out;
}

export interface Guard extends Check {
  threshold: string;
}

/** Guards for a run with load, rollouts and an audit. */
/**
 * The event-loop lag (lag.ts) beyond which k6 cannot judge. Below it the counts stay true (sequence
 * numbers, statuses and close codes do not depend on when a VU reads them, and the end-of-run ack wait
 * allows for the lag); above it phases are misattributed by seconds and acks are missed. Full-scale runs
 * on a loaded 2-core machine measured p99 0.9–2.1 s; a k6 that could not keep up at all, 9–12 s.
 */
export const maxK6LagMs = 5000;

export function guardsFor(
  config: Pick<Config, 'httpUsers' | 'wsUsers' | 'rollouts'> & Partial<Pick<Config, 'proveLossBelow'>>,
  parts: GuardParts,
): Guard[] {
  const users = config.httpUsers + config.wsUsers;
  const guards: Guard[] = [
    {
      metric: 'zd_sessions_established',
      threshold: `count>=${users}`,
      title: `every synthetic user (${users}) logged in`,
    },
    {
      metric: 'zd_users_finished',
      threshold: `count>=${users}`,
      title: `every synthetic user (${users}) ran to the end`,
    },
    {
      metric: 'zd_k6_lag_ms',
      threshold: `p(99)<${maxK6LagMs}`,
      title: `k6 kept up with its users (event-loop lag p99 < ${maxK6LagMs / 1000} s)`,
    },
  ];
  const profile = parts.profile;
  if (config.wsUsers > 0 && profile && hasFrame(profile, 'feed')) {
    guards.push({ metric: 'zd_msgs_received', threshold: 'count>0', title: 'feed messages were received' });
    if (config.proveLossBelow) guards.push(proofGuard(config.proveLossBelow));
  }
  if (config.wsUsers > 0 && profile && hasOrders(profile)) {
    guards.push(
      { metric: 'zd_orders_sent', threshold: 'count>0', title: 'orders were sent' },
      { metric: 'zd_orders_acked', threshold: 'count>0', title: 'orders were acknowledged' },
    );
  }
  if (parts.rollout) {
    guards.push(
      {
        metric: 'zd_rollouts_completed',
        threshold: `count>=${config.rollouts}`,
        title: `every requested rollout (${config.rollouts}) completed`,
      },
      { metric: 'zd_pods_replaced', threshold: 'count>0', title: 'pods were replaced' },
      {
        metric: 'zd_pods_not_replaced',
        threshold: 'count==0',
        title: 'every replica was replaced in every rollout',
      },
      {
        metric: 'zd_rollout_phase_samples',
        threshold: 'count>0',
        title: 'traffic was checked during the rollout',
      },
    );
  }
  if (parts.audit) {
    guards.push({ metric: 'zd_audit_runs', threshold: 'count>=1', title: 'the Redis audit ran' });
  }
  if (parts.readiness) {
    guards.push({
      metric: 'zd_readiness_pods',
      threshold: 'count>0',
      title: "replaced pods' readiness was followed through their deletion",
    });
  }
  return guards;
}

/**
 * PROVE_LOSS_BELOW: the run must deliver enough feed messages for "no loss" to bound the loss rate
 * below the goal (the fewest for k = 0; any loss fails zd_msgs_lost in the shipped threshold profiles).
 */
export function proofGuard(goal: number): Guard {
  const needed = trialsToProve(goal);
  return {
    metric: 'zd_msgs_received',
    threshold: `count>=${needed}`,
    title: `the run is large enough to prove a loss rate below ${goal} (≥ ${formatCount(needed)} feed messages)`,
  };
}

/** What a run's verdict checks: its guards, the invariants its profile leaves unchecked, its k6 thresholds. */
export interface VerdictPlan {
  guards: Guard[];
  notChecked: NotChecked[];
  thresholds: Record<string, string[]>;
  /** Readiness on drain is followed (readiness/follow.ts). */
  readinessChecked: boolean;
}

/** The verdict's plan of a run with users (`run`: whether it rolls out, how, and whether it audits). */
export function verdictPlan(
  config: Parameters<typeof guardsFor>[0],
  profile: TargetProfile,
  thresholds: ThresholdProfile,
  run: RunKind & Pick<GuardParts, 'audit'>,
): VerdictPlan {
  const readinessChecked = readinessNotChecked(profile, run) === null;
  const guards = guardsFor(config, {
    rollout: run.rollout,
    audit: run.audit,
    profile,
    readiness: readinessChecked,
  });
  const notChecked = notCheckedBy(profile, run);
  return {
    guards,
    notChecked,
    thresholds: thresholdsFor(thresholds, guards, { audit: run.audit, notChecked }),
    readinessChecked,
  };
}

export interface GuardParts {
  rollout: boolean;
  audit: boolean;
  /** The target profile: its feed and orders get guards of their own. */
  profile?: TargetProfile;
  /** Readiness on drain is checked: pods must have been followed through their deletion. */
  readiness?: boolean;
}

/**
 * k6 `thresholds` for a run: the profile's invariant limits plus the guards. A run without an audit
 * leaves the audit invariants out, and invariants the target profile cannot feed are left out too
 * (reported as not checked), rather than letting them pass with no samples.
 */
export function thresholdsFor(
  profile: ThresholdProfile,
  guards: Guard[],
  parts: Pick<GuardParts, 'audit'> & { notChecked?: NotChecked[] },
): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  const skipped = new Set<string>((parts.notChecked ?? []).map((n) => n.metric));
  for (const [metric, rules] of Object.entries(profile.thresholds)) {
    if (!parts.audit && metric.startsWith('zd_audit_')) continue;
    if (skipped.has(metric)) continue;
    thresholds[metric] = [...rules];
  }
  for (const guard of guards)
    thresholds[guard.metric] = [...(thresholds[guard.metric] ?? []), guard.threshold];
  return thresholds;
}
