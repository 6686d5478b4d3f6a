/** The k6 metric objects (created in the init context, as k6 requires). Names: `zd_<noun>[_<unit>]`. */
import { Counter, Rate, Trend } from 'k6/metrics';
import { type EventInvariant, eventInvariants } from './invariants.ts';

export const metrics = {
  // invariants
  ordersUnacked: new Counter('zd_orders_unacked'),
  sessionPersisted: new Rate('zd_session_persisted'),
  auditSessionsMissing: new Counter('zd_audit_sessions_missing'),
  auditNullValues: new Counter('zd_audit_null_values'),
  auditLoggedOutAlive: new Counter('zd_audit_logged_out_alive'),
  auditOrdersNotOnce: new Counter('zd_audit_orders_not_once'),
  auditSessionTtlShort: new Counter('zd_audit_session_ttl_short'),
  reconnectMs: new Trend('zd_reconnect_ms', true),
  // guards and context
  requests: new Counter('zd_requests'),
  sessionsEstablished: new Counter('zd_sessions_established'),
  usersFinished: new Counter('zd_users_finished'),
  msgsReceived: new Counter('zd_msgs_received'),
  wsCleanCloses: new Counter('zd_ws_clean_closes'),
  ordersSent: new Counter('zd_orders_sent'),
  ordersAcked: new Counter('zd_orders_acked'),
  orderAckMs: new Trend('zd_order_ack_ms', true),
  feedLatencyMs: new Trend('zd_feed_latency_ms', true),
  rolloutsCompleted: new Counter('zd_rollouts_completed'),
  podsReplaced: new Counter('zd_pods_replaced'),
  podsNotReplaced: new Counter('zd_pods_not_replaced'),
  rolloutDurationMs: new Trend('zd_rollout_duration_ms', true),
  rolloutPhaseSamples: new Counter('zd_rollout_phase_samples'),
  auditRuns: new Counter('zd_audit_runs'),
  // denominators of what a run proves (invariants.ts `denominators`)
  wsConnections: new Counter('zd_ws_connections'),
  negativeAuthProbes: new Counter('zd_negative_auth_probes'),
  logouts: new Counter('zd_logouts'),
  auditSessions: new Counter('zd_audit_sessions'),
  auditLogouts: new Counter('zd_audit_logouts'),
  auditOrders: new Counter('zd_audit_orders'),
  auditSessionTtls: new Counter('zd_audit_session_ttls'),
  relogins: new Counter('zd_relogins'),
};

export type MetricKey = keyof typeof metrics;

/** A counter per event invariant, named by the invariants table (failures.ts adds to them). */
export const failureCounters = Object.fromEntries(
  eventInvariants.map((name) => [name, new Counter(name)]),
) as Record<EventInvariant, Counter>;
