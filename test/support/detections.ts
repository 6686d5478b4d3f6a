/**
 * Each known-bad mode of the reference service and the invariants of which at least one must fail
 * when zerodrop validates a rollout of it (the no-Kubernetes tier and the embedded cluster share it).
 */
import type { BadMode } from '../../app/src/modes.ts';
import type { InvariantMetric } from '../../validator/verdict/catalog.ts';
import type { SignatureId } from '../../validator/verdict/report/diagnosis.ts';

export const detections: Record<Exclude<BadMode, 'none'>, InvariantMetric[]> = {
  'memory-sessions': ['zd_auth_lost', 'zd_audit_sessions_missing'],
  'abrupt-shutdown': ['zd_ws_abnormal_closes', 'zd_http_conn_errors', 'zd_http_5xx'],
  'no-resume': ['zd_msgs_lost'],
  'pod-affinity': ['zd_auth_lost'],
  'racy-logout': ['zd_audit_null_values', 'zd_audit_logged_out_alive', 'zd_logout_ineffective'],
  'no-cookie-guard': ['zd_negative_auth_wrong'],
  'no-order-dedup': ['zd_orders_applied_twice', 'zd_audit_orders_not_once'],
  'short-ttl': ['zd_audit_session_ttl_short'],
  'readiness-stays-ready': ['zd_readiness_on_drain'],
  'rare-loss': ['zd_msgs_lost'],
};

/** The diagnosis signature (validator/verdict/report/diagnosis.ts) each known-bad mode's report must name. */
export const diagnoses: Record<Exclude<BadMode, 'none'>, SignatureId> = {
  'memory-sessions': 'sessions-not-shared',
  'abrupt-shutdown': 'abrupt-close',
  'no-resume': 'resume-cursor',
  'pod-affinity': 'sessions-not-shared',
  'racy-logout': 'logout-race',
  'no-cookie-guard': 'cookie-guard',
  'no-order-dedup': 'order-dedupe',
  'short-ttl': 'session-ttl-short',
  'readiness-stays-ready': 'readiness-on-drain',
  'rare-loss': 'feed-drops',
};
