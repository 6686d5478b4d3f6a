/** The verdict from k6's end-of-test summary: invariant and guard rows, and the figures shown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Guard } from '../../validator/verdict/invariants.ts';
import {
  buildVerdict,
  figure,
  isInvariant,
  type SummaryData,
  type SummaryMetric,
} from '../../validator/verdict/report/verdict.ts';

const counter = (count: number, thresholds?: Record<string, { ok: boolean }>): SummaryMetric => ({
  type: 'counter',
  values: { count, rate: count / 60 },
  ...(thresholds ? { thresholds } : {}),
});

const guards: Guard[] = [
  { metric: 'zd_sessions_established', threshold: 'count>=50', title: 'every synthetic user (50) logged in' },
  { metric: 'zd_audit_runs', threshold: 'count>=1', title: 'the Redis audit ran' },
];

describe('figure', () => {
  it('shows the count of a counter', () => {
    assert.equal(figure(counter(12)), '12');
    assert.equal(figure({ type: 'counter', values: {} }), '0');
  });

  it('shows a rate as a percentage of its samples', () => {
    assert.equal(figure({ type: 'rate', values: { rate: 0.975, passes: 39, fails: 1 } }), '97.50% of 40');
    assert.equal(figure({ type: 'rate', values: {} }), '0.00% of 0');
  });

  it('shows p99 and max of a trend in whole milliseconds', () => {
    assert.equal(
      figure({ type: 'trend', values: { 'p(99)': 1234.6, max: 2000.4, avg: 3 } }),
      'p99 1235 ms, max 2000 ms',
    );
  });

  it('shows the value of a gauge', () => {
    assert.equal(figure({ type: 'gauge', values: { value: 3 } }), '3');
  });

  it('says so when there were no samples', () => {
    assert.equal(figure(undefined), 'no samples');
  });
});

describe('buildVerdict', () => {
  it('passes when every invariant and guard threshold passed', () => {
    const data: SummaryData = {
      metrics: {
        zd_http_5xx: counter(0, { 'count==0': { ok: true } }),
        zd_sessions_established: counter(50, { 'count>=50': { ok: true } }),
        zd_audit_runs: counter(1, { 'count>=1': { ok: true } }),
      },
    };
    const verdict = buildVerdict(data, guards);
    assert.equal(verdict.passed, true);
    assert.deepEqual(
      verdict.rows.map((r) => [r.kind, r.metric, r.value, r.ok]),
      [
        ['invariant', 'zd_http_5xx', '0', true],
        ['guard', 'zd_sessions_established', '50', true],
        ['guard', 'zd_audit_runs', '1', true],
      ],
    );
  });

  it('fails a guard whose metric has no samples', () => {
    const data: SummaryData = {
      metrics: { zd_sessions_established: counter(50, { 'count>=50': { ok: true } }) },
    };
    const verdict = buildVerdict(data, guards);
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.rows[1], {
      kind: 'guard',
      metric: 'zd_audit_runs',
      title: 'the Redis audit ran',
      value: 'no samples',
      thresholds: [{ expression: 'count>=1', ok: false }],
      ok: false,
    });
  });

  it('fails a guard whose metric has samples but no result for its threshold', () => {
    const data: SummaryData = {
      metrics: {
        zd_sessions_established: counter(50),
        zd_audit_runs: counter(1, { 'count>=1': { ok: true } }),
      },
    };
    const verdict = buildVerdict(data, guards);
    assert.equal(verdict.passed, false);
    assert.equal(verdict.rows[0]?.ok, false);
    assert.equal(verdict.rows[0]?.value, '50');
  });

  it('fails on a failing guard', () => {
    const data: SummaryData = {
      metrics: {
        zd_sessions_established: counter(49, { 'count>=50': { ok: false } }),
        zd_audit_runs: counter(1, { 'count>=1': { ok: true } }),
      },
    };
    assert.equal(buildVerdict(data, guards).passed, false);
  });

  it('lists invariants in report order, one row each with every threshold', () => {
    const data: SummaryData = {
      metrics: {
        zd_reconnect_ms: {
          type: 'trend',
          values: { 'p(99)': 7000, max: 9000 },
          thresholds: { 'p(99)<5000': { ok: false }, 'max<10000': { ok: true } },
        },
        zd_session_persisted: {
          type: 'rate',
          values: { rate: 1, passes: 20, fails: 0 },
          thresholds: { 'rate==1': { ok: true } },
        },
        zd_auth_lost: counter(0, { 'count==0': { ok: true } }),
      },
    };
    const verdict = buildVerdict(data, []);
    assert.deepEqual(
      verdict.rows.map((r) => r.metric),
      ['zd_auth_lost', 'zd_session_persisted', 'zd_reconnect_ms'],
    );
    assert.deepEqual(verdict.rows[1], {
      kind: 'invariant',
      metric: 'zd_session_persisted',
      title: 'session persistence score: users whose session stayed valid without re-authenticating',
      value: '100.00% of 20',
      thresholds: [{ expression: 'rate==1', ok: true }],
      ok: true,
    });
    assert.deepEqual(verdict.rows[2]?.thresholds, [
      { expression: 'p(99)<5000', ok: false },
      { expression: 'max<10000', ok: true },
    ]);
    assert.equal(verdict.rows[2]?.ok, false);
    assert.equal(verdict.passed, false);
  });

  it('leaves out invariants without thresholds (e.g. audit invariants in a run without audit)', () => {
    const data: SummaryData = { metrics: { zd_audit_null_values: counter(3), zd_http_5xx: undefined } };
    assert.deepEqual(buildVerdict(data, []).rows, []);
  });

  it('adds rows for thresholds on other metrics, after the guards', () => {
    const data: SummaryData = {
      metrics: {
        'http_req_duration{scenario:http_users}': {
          type: 'trend',
          values: { 'p(99)': 120, max: 300 },
          thresholds: { 'p(99)<500': { ok: true } },
        },
        zd_requests: counter(1000),
        zd_sessions_established: counter(50, { 'count>=50': { ok: true } }),
      },
    };
    const rows = buildVerdict(data, [guards[0] as Guard]).rows;
    assert.deepEqual(
      rows.map((r) => [r.kind, r.metric, r.title]),
      [
        ['guard', 'zd_sessions_established', 'every synthetic user (50) logged in'],
        ['invariant', 'http_req_duration{scenario:http_users}', 'http_req_duration{scenario:http_users}'],
      ],
    );
  });

  it('shows a guard metric once, as a guard, even when it carries other thresholds', () => {
    const data: SummaryData = {
      metrics: {
        zd_sessions_established: counter(50, { 'count>=50': { ok: true }, 'count<1000': { ok: true } }),
      },
    };
    const rows = buildVerdict(data, [guards[0] as Guard]).rows;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.kind, 'guard');
  });
});

describe('isInvariant', () => {
  it('knows the invariant metrics and nothing else', () => {
    assert.equal(isInvariant('zd_msgs_lost'), true);
    assert.equal(isInvariant('zd_sessions_established'), false);
    assert.equal(isInvariant('toString'), false);
    assert.equal(isInvariant('constructor'), false);
  });
});
