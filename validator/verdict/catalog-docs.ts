/**
 * What one sample of each metric is: docs/metrics.md's tables. Apart from catalog.ts because the k6
 * bundles need only the names and types: this text would be compiled in every VU. The type requires an
 * entry for every metric, and no other.
 */
import { type MetricName, type MetricSpec, metricCatalog } from './catalog.ts';

export const metricDocs: Record<MetricName, string> = {
  zd_auth_lost: '401 (or WebSocket unauthorized close) for a session that was valid',
  zd_identity_changed: 'a response or WebSocket greeting naming another user or session',
  zd_http_5xx: '5xx responses',
  zd_http_conn_errors:
    "requests with no response (refused, reset, timeout); tagged `error_code`; the breakdown's cause names the connection, new or reused",
  zd_negative_auth_wrong: 'an empty, malformed or hostile cookie answered with anything but 401',
  zd_logout_ineffective: 'a logged-out session cookie still accepted',
  zd_ws_abnormal_closes:
    "server closes with a code not in the profile's clean list (or no close frame: 1006)",
  zd_ws_connect_errors: 'WebSocket handshakes that failed',
  zd_ws_bad_frames: 'frames that are not valid protocol messages',
  zd_msgs_lost: 'feed messages skipped (gaps in `seq`) across reconnect and resume',
  zd_msgs_duplicated: 'feed messages delivered twice',
  zd_orders_unacked: 'orders never acknowledged by the end',
  zd_orders_applied_twice: 'a resent order acknowledged as applied again',
  zd_session_persisted: 'users whose session stayed valid from login to the end without re-authenticating',
  zd_audit_sessions_missing: 'live synthetic sessions missing from Redis or naming another user',
  zd_audit_null_values: 'session keys holding a null or empty value',
  zd_audit_logged_out_alive: 'logged-out sessions still in Redis',
  zd_audit_orders_not_once: 'acked orders not applied exactly once',
  zd_audit_session_ttl_short:
    "live sessions whose remaining TTL (`PTTL`) is below the profile's `redis.session.idleTimeout` minus the time since the session's last activity (slack max(5 s, 2 %)): the store would expire them earlier than declared, however long the run; not checked without `idleTimeout`",
  zd_readiness_on_drain:
    'replaced pods that did not report not ready before they stopped accepting connections (a refused readiness probe, the first socket they closed after their deletion started, or their exit), or only later than `READINESS_BOUND` (default 15 s) after their deletion started; not checked without `http.readiness` (STRATEGY=none) or with STRATEGY=rainbow (`docs/strategies.md`)',
  zd_readiness_served_after_unready:
    'replaced pods that accepted a new connection (an HTTP request k6 timed a connect for, a WebSocket greeting) later than `READINESS_GRACE` (default 2 s) after they reported not ready',
  zd_reconnect_ms: 'WebSocket close to greeting on the new connection',
  zd_requests:
    'identity responses, tagged with phase, pod, color and status (the trials of the HTTP invariants)',
  zd_sessions_established: 'users that logged in (a guard: at least the users)',
  zd_users_finished: 'users that ran to the end (a guard; also gives `zd_session_persisted` its samples)',
  zd_msgs_received:
    'feed messages received (a guard when there are WebSocket users; the trials of the feed invariants)',
  zd_ws_clean_closes: 'WebSocket closes with a clean code',
  zd_orders_sent:
    'orders sent (a guard when the profile declares orders; the trials of the order invariants)',
  zd_orders_acked: 'orders acknowledged (a guard when the profile declares orders)',
  zd_order_ack_ms: 'order to its acknowledgement',
  zd_feed_latency_ms: "a feed message's publish time to its arrival",
  zd_k6_lag_ms:
    "how far behind a VU runs, every 250 ms: its tick's delay or the longest a WebSocket message waited in its queue, whichever is larger, and a late tick also for each tick it starved — k6's own backlog (a guard: a saturated k6 cannot judge)",
  zd_rollouts_completed: 'rollouts completed (a guard: at least `ROLLOUTS`)',
  zd_pods_replaced: 'pods replaced by the rollouts (a guard: more than 0)',
  zd_pods_not_replaced: 'replicas not replaced in a rollout (a guard: 0)',
  zd_rollout_duration_ms: 'each rollout, start to complete',
  zd_rollout_phase_samples: 'requests and messages checked during a rollout (a guard: more than 0)',
  zd_audit_runs: 'Redis audits that ran (a guard: at least 1)',
  zd_ws_connections: 'WebSocket connection attempts',
  zd_negative_auth_probes: 'empty, malformed and hostile cookies sent',
  zd_logouts: 'logouts',
  zd_audit_sessions: 'live synthetic sessions the audit read',
  zd_audit_logouts: 'logged-out sessions the audit looked for',
  zd_audit_orders: 'acknowledged orders the audit looked for',
  zd_audit_session_ttls:
    'sessions whose lifetime was judged (a declared idle timeout, a recorded last activity, the key present)',
  zd_readiness_pods:
    'replaced pods followed through their deletion and judged (a guard when readiness on drain is checked: more than 0)',
  zd_relogins: 'logins after a logout',
};

/** docs/metrics.md's invariant table (with `holds`) or context table (without), as Markdown. */
export function metricTable(part: 'invariants' | 'context'): string {
  const catalog: Record<string, MetricSpec> = metricCatalog();
  const rows = Object.entries(catalog)
    .filter(([, spec]) => (spec.holds !== undefined) === (part === 'invariants'))
    .map(([name, spec]) => `| \`${name}\` | ${spec.type} | ${metricDocs[name as MetricName]} |`);
  return ['| metric | type | what it counts |', '|---|---|---|', ...rows].join('\n');
}
