/**
 * Every metric zerodrop records, once: its k6 type and, for an invariant, what must hold (the report's
 * title). The k6 metric objects (metrics.ts), the invariants and their thresholds (invariants.ts), the
 * test detections and docs/metrics.md's tables (with catalog-docs.ts: `make docs`, checked by
 * test/unit/generated-docs.test.ts) take their names from this table, so a name exists in one place.
 * Names: `zd_<noun>[_<unit>]`. Pure: no k6 imports.
 */

export interface MetricSpec {
  type: 'counter' | 'rate' | 'trend';
  /** A trend of durations (k6 shows it in ms). */
  time?: true;
  /** An invariant: what must hold, as the verdict rows say it. */
  holds?: string;
  /** An invariant counted one failure at a time by the users, each with a breakdown row (failures.ts). */
  perEvent?: true;
  /** Recorded in teardown only (the audit, readiness on drain), so created in VU 0 only (metrics.ts). */
  teardown?: true;
}

/**
 * In report order: the invariants first, then the context. Built on each call rather than held: k6 VUs
 * read it in the init context only (metric objects, thresholds), and a module-level table would stay in
 * every VU's heap for the whole run (about 1 KB per entry).
 */
export function metricCatalog() {
  return {
    zd_auth_lost: {
      type: 'counter',
      holds: 'valid sessions are never rejected (no 401 or WebSocket unauthorized close)',
      perEvent: true,
    },
    zd_identity_changed: {
      type: 'counter',
      holds: 'the identity behind a session never changes',
      perEvent: true,
    },
    zd_http_5xx: { type: 'counter', holds: 'no 5xx responses', perEvent: true },
    zd_http_conn_errors: {
      type: 'counter',
      holds: 'no HTTP connection errors or resets',
      perEvent: true,
    },
    zd_negative_auth_wrong: {
      type: 'counter',
      holds: 'empty and malformed cookies get a clean 401, never a 5xx',
      perEvent: true,
    },
    zd_logout_ineffective: {
      type: 'counter',
      holds: 'a logged-out session stays logged out',
      perEvent: true,
    },
    zd_ws_abnormal_closes: {
      type: 'counter',
      holds: 'WebSockets close only cleanly (going away / service restart)',
      perEvent: true,
    },
    zd_ws_connect_errors: {
      type: 'counter',
      holds: 'WebSocket handshakes never fail',
      perEvent: true,
    },
    zd_ws_bad_frames: {
      type: 'counter',
      holds: 'every WebSocket frame follows the protocol',
      perEvent: true,
    },
    zd_msgs_lost: {
      type: 'counter',
      holds: 'no feed message is lost (contiguous sequence numbers across reconnects)',
      perEvent: true,
    },
    zd_msgs_duplicated: {
      type: 'counter',
      holds: 'no feed message is delivered twice',
      perEvent: true,
    },
    zd_orders_unacked: {
      type: 'counter',
      holds: 'every order is acknowledged',
    },
    zd_orders_applied_twice: {
      type: 'counter',
      holds: 'no order is applied twice',
      perEvent: true,
    },
    zd_session_persisted: {
      type: 'rate',
      holds: 'session persistence score: users whose session stayed valid without re-authenticating',
    },
    zd_audit_sessions_missing: {
      type: 'counter',
      teardown: true,
      holds: 'audit: every live synthetic session is still in the store with the right user',
    },
    zd_audit_null_values: {
      type: 'counter',
      teardown: true,
      holds: 'audit: no session key holds a null or empty value',
    },
    zd_audit_logged_out_alive: {
      type: 'counter',
      teardown: true,
      holds: 'audit: no logged-out session is still in the store',
    },
    zd_audit_orders_not_once: {
      type: 'counter',
      teardown: true,
      holds: 'audit: every acknowledged order was applied exactly once',
    },
    zd_audit_session_ttl_short: {
      type: 'counter',
      teardown: true,
      holds:
        'audit: no session expires before the lifetime the profile declares (idle timeout since last activity)',
    },
    zd_readiness_on_drain: {
      type: 'counter',
      teardown: true,
      holds:
        'every replaced pod reports not ready before it stops accepting connections, within READINESS_BOUND of its deletion',
    },
    zd_readiness_served_after_unready: {
      type: 'counter',
      teardown: true,
      holds:
        'no replaced pod accepts a new connection later than READINESS_GRACE after it reported not ready',
    },
    zd_reconnect_ms: {
      type: 'trend',
      time: true,
      holds: 'WebSocket reconnect latency (close to resumed)',
    },
    // context: guards, denominators, latencies
    zd_requests: {
      type: 'counter',
    },
    zd_sessions_established: { type: 'counter' },
    zd_users_finished: {
      type: 'counter',
    },
    zd_msgs_received: {
      type: 'counter',
    },
    zd_ws_clean_closes: { type: 'counter' },
    zd_orders_sent: {
      type: 'counter',
    },
    zd_orders_acked: {
      type: 'counter',
    },
    zd_order_ack_ms: { type: 'trend', time: true },
    zd_feed_latency_ms: { type: 'trend', time: true },
    zd_k6_lag_ms: { type: 'trend', time: true },
    zd_rollouts_completed: { type: 'counter' },
    zd_pods_replaced: { type: 'counter' },
    zd_pods_not_replaced: { type: 'counter' },
    zd_rollout_duration_ms: { type: 'trend', time: true },
    zd_rollout_phase_samples: {
      type: 'counter',
    },
    zd_audit_runs: { type: 'counter', teardown: true },
    zd_ws_connections: { type: 'counter' },
    zd_negative_auth_probes: { type: 'counter' },
    zd_logouts: { type: 'counter' },
    zd_audit_sessions: { type: 'counter', teardown: true },
    zd_audit_logouts: { type: 'counter', teardown: true },
    zd_audit_orders: { type: 'counter', teardown: true },
    zd_audit_session_ttls: {
      type: 'counter',
      teardown: true,
    },
    zd_readiness_pods: { type: 'counter', teardown: true },
    zd_relogins: { type: 'counter' },
  } as const satisfies Record<`zd_${string}`, MetricSpec>;
}

type Catalog = ReturnType<typeof metricCatalog>;
export type MetricName = keyof Catalog;

/** The invariant metrics, in report order. Threshold profiles may only name these. */
export type InvariantMetric = {
  [K in MetricName]: Catalog[K] extends { holds: string } ? K : never;
}[MetricName];
/** The invariants counted one failure at a time (failures.ts). */
export type EventInvariant = {
  [K in MetricName]: Catalog[K] extends { perEvent: true } ? K : never;
}[MetricName];

/** Invariant → what must hold, in report order. */
export function invariantTitles(): Record<InvariantMetric, string> {
  const catalog: Record<string, MetricSpec> = metricCatalog();
  const titles: Record<string, string> = {};
  for (const [name, spec] of Object.entries(catalog)) if (spec.holds !== undefined) titles[name] = spec.holds;
  return titles as Record<InvariantMetric, string>;
}
