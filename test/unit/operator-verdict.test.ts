import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSummaryRows } from '../../operator/combined-verdict.ts';
import { operatorVerdict, type Runner } from '../../operator/operator-verdict.ts';

function log(rows: string[]): string {
  return [
    'zerodrop op-1: FAIL',
    '',
    'Invariants',
    rows[0],
    '',
    'Guards (a run where nothing happened fails)',
    ...rows.slice(1),
    '',
    'Reproduce: k6 run',
  ].join('\n');
}

const logs = [
  log([
    '  ✓ no 5xx responses — zd_http_5xx = 0 (count==0)',
    '  ✗ every synthetic user (500) logged in — zd_sessions_established = 250 (count>=500 ✗)',
    '  ✓ every requested rollout (1) completed — zd_rollouts_completed = 1 (count>=1)',
  ]),
  log([
    '  ✓ no 5xx responses — zd_http_5xx = 0 (count==0)',
    '  ✗ every synthetic user (500) logged in — zd_sessions_established = 250 (count>=500 ✗)',
    '  ✗ every requested rollout (1) completed — zd_rollouts_completed = 0 (count>=1 ✗)',
  ]),
];

function runners(exitCodes: (number | null)[], texts = logs): Runner[] {
  return texts.map((text, i) => ({
    pod: `zerodrop-${i + 1}-abcde`,
    segment: i === 0 ? '0:1/2' : '1/2:1',
    exitCode: exitCodes[i] ?? null,
    log: text,
    rows: parseSummaryRows(text),
  }));
}

const once = { deployment: 'session-app', before: 4, after: 5, rollouts: 1 };

test('both runners fail their share, the whole run passes and the revision moved once: exit 0', () => {
  const { text, exitCode } = operatorVerdict('op-1', runners([99, 99]), once);
  assert.equal(exitCode, 0);
  assert.match(
    text,
    /zerodrop-1-abcde {2}segment 0:1\/2 {2}k6 exit 99 {2}fails on its share: zd_sessions_established = 250/,
  );
  assert.match(
    text,
    /✓ every synthetic user \(500\) logged in — zd_sessions_established = 500 \(count>=500\)/,
  );
  assert.match(
    text,
    /✓ the Deployment was rolled exactly 1 time\(s\), not once per runner — session-app revision = 4 → 5 \(\+1\)/,
  );
  assert.match(text, /^PASS: zero downtime across the runners$/m);
});

test('the Deployment rolled twice (each runner drove a rollout): exit 99', () => {
  const { text, exitCode } = operatorVerdict('op-1', runners([99, 99]), { ...once, after: 6 });
  assert.equal(exitCode, 99);
  assert.match(text, /✗ the Deployment was rolled exactly 1 time\(s\).*4 → 6 \(\+1 ✗\)/);
  assert.match(text, /^FAIL: an invariant or guard failed on the whole run$/m);
});

test('a runner that could not judge (108 in setup) decides the exit code', () => {
  const { text, exitCode } = operatorVerdict('op-1', runners([108, 99]), once);
  assert.equal(exitCode, 108);
  assert.match(text, /^ERROR: runner zerodrop-1-abcde could not judge its share \(k6 exit 108\)$/m);
});

test('a runner without a summary in its log fails the run', () => {
  const rs = runners([99, 99], [logs[0] as string, 'level=error msg="killed"']);
  const { text, exitCode } = operatorVerdict('op-1', rs, once);
  assert.equal(exitCode, 99);
  assert.match(text, /zerodrop-2-abcde {2}segment 1\/2:1 {2}k6 exit 99 {2}no summary in its log/);
});
