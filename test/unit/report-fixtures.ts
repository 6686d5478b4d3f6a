/** Shared inputs for the report tests: a run's meta and a verdict with passing and failing rows. */
import type { RunMeta } from '../../validator/verdict/report/meta.ts';
import type { Verdict } from '../../validator/verdict/report/verdict.ts';

export function runMeta(overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    runId: '20250101-120000-abcd',
    target: 'http://127.0.0.1:8080',
    profile: 'reference',
    thresholds: 'strict',
    strategy: 'rolling',
    rollouts: 2,
    users: { http: 30, ws: 20, perVu: 10 },
    timeline: { rolloutStart: 1_700_000_010_000, rolloutEnd: 1_700_000_040_000, endAt: 1_700_000_055_000 },
    command: 'BASE_URL=http://127.0.0.1:8080 k6 run dist/zero-downtime.js',
    durationMs: 61_234,
    ...overrides,
  };
}

/** Two invariants (one failing with two thresholds) and two guards (one failing). */
export function mixedVerdict(): Verdict {
  return {
    passed: false,
    notChecked: [],
    rows: [
      {
        kind: 'invariant',
        metric: 'zd_http_5xx',
        title: 'no 5xx responses',
        value: '0',
        thresholds: [{ expression: 'count==0', ok: true }],
        ok: true,
      },
      {
        kind: 'invariant',
        metric: 'zd_reconnect_ms',
        title: 'WebSocket reconnect latency (close to resumed)',
        value: 'p99 7000 ms, max 9000 ms',
        thresholds: [
          { expression: 'p(99)<5000', ok: false },
          { expression: 'max<10000', ok: true },
        ],
        ok: false,
      },
      {
        kind: 'guard',
        metric: 'zd_sessions_established',
        title: 'every synthetic user (50) logged in',
        value: '50',
        thresholds: [{ expression: 'count>=50', ok: true }],
        ok: true,
      },
      {
        kind: 'guard',
        metric: 'zd_audit_runs',
        title: 'the Redis audit ran',
        value: 'no samples',
        thresholds: [{ expression: 'count>=1', ok: false }],
        ok: false,
      },
    ],
  };
}

/** Strings that break markup when not escaped. */
export const hostile = `<script>alert("x")</script> & 'q'`;

/** The mixed verdict of a profile without logout or orders: three invariants not checked. */
export function verdictWithNotChecked(): Verdict {
  return {
    ...mixedVerdict(),
    notChecked: [
      {
        metric: 'zd_logout_ineffective',
        title: 'a logged-out session stays logged out',
        reason: 'the profile lacks http.logout',
      },
      {
        metric: 'zd_orders_unacked',
        title: 'every order is acknowledged',
        reason: 'the profile lacks websocket.order',
      },
      {
        metric: 'zd_audit_orders_not_once',
        title: 'audit: every acknowledged order was applied exactly once',
        reason: 'the profile lacks redis.orders',
      },
    ],
  };
}
