import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineRunners, parseSummaryRows } from '../../operator/combined-verdict.ts';

/** A runner's text summary as validator/verdict/report/text.ts prints it (the rows that matter here). */
function runnerLog(rows: string[], verdict = 'FAIL'): string {
  return [
    'time="…" level=info msg="zerodrop run op-1: 300 HTTP + 200 WebSocket users, 1 rolling rollout(s)" source=console',
    '',
    `zerodrop op-1: ${verdict}`,
    '  target http://session-app.zerodrop.svc · profile reference · thresholds strict · strategy rolling × 1',
    '',
    'Invariants',
    ...rows.filter((r) => !r.includes('guard:')),
    '',
    'Guards (a run where nothing happened fails)',
    ...rows.filter((r) => r.includes('guard:')).map((r) => r.replace('guard:', '')),
    '',
    'Reproduce: BASE_URL=… k6 run dist/zero-downtime.js',
  ].join('\n');
}

const runner1 = runnerLog([
  '  ✓ no 5xx responses — zd_http_5xx = 0 (count==0)',
  '  ✓ session persistence score — zd_session_persisted = 100.00% of 250 (rate==1)',
  '  ✓ WebSocket reconnect latency — zd_reconnect_ms = p99 40 ms, max 90 ms (p(99)<5000)',
  '  ✗ guard:every synthetic user (500) logged in — zd_sessions_established = 250 (count>=500 ✗)',
  '  ✓ guard:every requested rollout (1) completed — zd_rollouts_completed = 1 (count>=1)',
  '  ✓ guard:every replica was replaced in every rollout — zd_pods_not_replaced = 0 (count==0)',
]);
const runner2 = runnerLog([
  '  ✓ no 5xx responses — zd_http_5xx = 0 (count==0)',
  '  ✓ session persistence score — zd_session_persisted = 100.00% of 250 (rate==1)',
  '  ✓ WebSocket reconnect latency — zd_reconnect_ms = p99 35 ms, max 70 ms (p(99)<5000)',
  '  ✗ guard:every synthetic user (500) logged in — zd_sessions_established = 250 (count>=500 ✗)',
  '  ✗ guard:every requested rollout (1) completed — zd_rollouts_completed = no samples (count>=1 ✗)',
  '  ✓ guard:every replica was replaced in every rollout — zd_pods_not_replaced = no samples (count==0)',
]);

test('parseSummaryRows reads kind, mark, metric, figure and every threshold of each row', () => {
  const rows = parseSummaryRows(runner2);
  assert.equal(rows?.length, 6);
  assert.deepEqual(rows?.[4], {
    kind: 'guard',
    ok: false,
    title: 'every requested rollout (1) completed',
    metric: 'zd_rollouts_completed',
    value: 'no samples',
    thresholds: [{ expression: 'count>=1', ok: false }],
  });
  assert.equal(rows?.[0]?.kind, 'invariant');
});

test('parseSummaryRows: a log without a summary (k6 died before it) gives null', () => {
  assert.equal(parseSummaryRows('level=error msg="setup failed"\n'), null);
});

test('guards that fail on each share pass on the whole run: counts summed, rates pooled', () => {
  const verdict = combineRunners([parseSummaryRows(runner1) ?? [], parseSummaryRows(runner2) ?? []]);
  const row = (metric: string) => verdict.rows.find((r) => r.metric === metric);
  assert.equal(row('zd_sessions_established')?.value, '500');
  assert.equal(row('zd_sessions_established')?.ok, true);
  assert.equal(row('zd_rollouts_completed')?.value, '1');
  assert.equal(row('zd_rollouts_completed')?.ok, true);
  assert.equal(row('zd_session_persisted')?.value, '100.00% of 500');
  assert.equal(row('zd_reconnect_ms')?.combination, 'every runner');
  assert.equal(row('zd_reconnect_ms')?.value, 'p99 40 ms, max 90 ms | p99 35 ms, max 70 ms');
  assert.equal(verdict.passed, true);
});

test('an invariant broken on one runner fails the whole run', () => {
  const broken = runner2
    .replace('zd_http_5xx = 0 (count==0)', 'zd_http_5xx = 3 (count==0 ✗)')
    .replace('✓ no 5xx', '✗ no 5xx');
  const verdict = combineRunners([parseSummaryRows(runner1) ?? [], parseSummaryRows(broken) ?? []]);
  const row = verdict.rows.find((r) => r.metric === 'zd_http_5xx');
  assert.equal(row?.value, '3');
  assert.equal(row?.ok, false);
  assert.equal(verdict.passed, false);
});

test('a session lost on one runner fails the pooled rate', () => {
  const lost = runner2.replace('100.00% of 250', '99.60% of 250');
  const verdict = combineRunners([parseSummaryRows(runner1) ?? [], parseSummaryRows(lost) ?? []]);
  const row = verdict.rows.find((r) => r.metric === 'zd_session_persisted');
  assert.equal(row?.value, '99.80% of 500');
  assert.equal(row?.ok, false);
});

test('a percentile that fails on one runner fails the run', () => {
  const slow = runner2.replace(
    'p99 35 ms, max 70 ms (p(99)<5000)',
    'p99 6100 ms, max 7000 ms (p(99)<5000 ✗)',
  );
  const verdict = combineRunners([parseSummaryRows(runner1) ?? [], parseSummaryRows(slow) ?? []]);
  assert.equal(verdict.rows.find((r) => r.metric === 'zd_reconnect_ms')?.ok, false);
  assert.equal(verdict.passed, false);
});

test('a rollout counted twice (both runners drove one) fails an exact guard', () => {
  const twice = runner2.replace(
    'zd_rollouts_completed = no samples (count>=1 ✗)',
    'zd_rollouts_completed = 1 (count==1)',
  );
  const once = runner1.replace(
    'zd_rollouts_completed = 1 (count>=1)',
    'zd_rollouts_completed = 1 (count==1)',
  );
  const verdict = combineRunners([parseSummaryRows(once) ?? [], parseSummaryRows(twice) ?? []]);
  assert.equal(verdict.rows.find((r) => r.metric === 'zd_rollouts_completed')?.ok, false);
});

test('no runners, no pass', () => {
  assert.equal(combineRunners([]).passed, false);
});
