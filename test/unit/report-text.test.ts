/** The readable summary (stdout and summary.txt). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakdownRow } from '../../validator/verdict/report/breakdown.ts';
import { formatTable, textReport } from '../../validator/verdict/report/text.ts';
import { mixedVerdict, runMeta } from './report-fixtures.ts';

const breakdown: BreakdownRow[] = [
  {
    invariant: 'zd_reconnect_ms',
    phase: 'rollout',
    pod: 'app-7c9-abcde',
    color: 'blue',
    detail: '',
    count: 12,
  },
  {
    invariant: 'zd_http_5xx',
    phase: 'cooldown',
    pod: 'app-1',
    color: 'green',
    detail: 'GET /me: status 503',
    count: 3,
  },
];

describe('textReport', () => {
  const text = textReport(mixedVerdict(), breakdown, runMeta(), 'reports/20250101-120000-abcd');
  const lines = text.split('\n');

  it('opens with the run id and the verdict', () => {
    assert.equal(lines[0], 'zerodrop 20250101-120000-abcd: FAIL');
    const passing = textReport({ passed: true, rows: [], notChecked: [] }, [], runMeta(), 'r');
    assert.match(passing, /^zerodrop 20250101-120000-abcd: PASS\n/);
  });

  it('describes the run', () => {
    assert.equal(
      lines[1],
      '  target http://127.0.0.1:8080 · profile reference · thresholds strict · strategy rolling × 2',
    );
    assert.equal(lines[2], '  users 30 HTTP + 20 WebSocket, 10 per VU · ran 61.2 s');
  });

  it('lists invariants, then guards, each with its marks and failing expressions', () => {
    const invariants = lines.indexOf('Invariants');
    const guards = lines.indexOf('Guards (a run where nothing happened fails)');
    assert.ok(invariants > 0 && guards > invariants);
    assert.deepEqual(lines.slice(invariants + 1, invariants + 3), [
      '  ✓ no 5xx responses — zd_http_5xx = 0 (count==0)',
      '  ✗ WebSocket reconnect latency (close to resumed) — zd_reconnect_ms = p99 7000 ms, max 9000 ms (p(99)<5000 ✗, max<10000)',
    ]);
    assert.deepEqual(lines.slice(guards + 1, guards + 3), [
      '  ✓ every synthetic user (50) logged in — zd_sessions_established = 50 (count>=50)',
      '  ✗ the Redis audit ran — zd_audit_runs = no samples (count>=1 ✗)',
    ]);
  });

  it('tabulates the failure breakdown', () => {
    const at = lines.indexOf('Failures by invariant, phase, pod, color and cause');
    assert.ok(at > 0);
    assert.deepEqual(lines.slice(at + 1, at + 4), [
      '  count  invariant        phase     pod            color  cause',
      '  12     zd_reconnect_ms  rollout   app-7c9-abcde  blue   —',
      '  3      zd_http_5xx      cooldown  app-1          green  GET /me: status 503',
    ]);
  });

  it('ends with the reproduce command and where the report is', () => {
    assert.equal(lines.at(-3), 'Reproduce: BASE_URL=http://127.0.0.1:8080 k6 run dist/zero-downtime.js');
    assert.equal(
      lines.at(-2),
      'Report: reports/20250101-120000-abcd/ (summary.txt, summary.json, junit.xml, timeline.html)',
    );
    assert.equal(lines.at(-1), '');
  });

  it('names a rollout failure', () => {
    const meta = runMeta();
    meta.timeline = { ...meta.timeline, rolloutFailure: 'stalled: progress deadline exceeded' };
    const failed = textReport(mixedVerdict(), [], meta, 'r').split('\n');
    assert.equal(failed[3], '  rollout failure: stalled: progress deadline exceeded');
    assert.ok(!lines.some((l) => l.includes('rollout failure')));
  });

  it('leaves the breakdown out when nothing failed', () => {
    assert.doesNotMatch(textReport(mixedVerdict(), [], runMeta(), 'r'), /Failures by/);
  });

  it('shows at most 40 breakdown rows and says how many more there are', () => {
    const many = Array.from({ length: 45 }, (_, i) => ({ ...breakdown[1], count: 45 - i }) as BreakdownRow);
    const long = textReport(mixedVerdict(), many, runMeta(), 'r').split('\n');
    assert.equal(
      long.filter((l) => /^ {2}\d+ +zd_http_5xx +cooldown +app-1 +green +GET \/me: status 503$/.test(l))
        .length,
      40,
    );
    assert.ok(long.includes('  … 5 more rows in summary.json'));
  });
});

describe('formatTable', () => {
  it('pads columns to their widest cell, two spaces apart, without trailing spaces', () => {
    assert.deepEqual(
      formatTable([
        ['a', 'bb', 'c'],
        ['aaa', 'b', ''],
      ]),
      ['a    bb  c', 'aaa  b'],
    );
  });

  it('is empty for no rows', () => {
    assert.deepEqual(formatTable([]), []);
  });
});

describe('textReport of a run setup() stopped', () => {
  it('says "not run: <reason>", lists no invariants, and names no report folder that was not written', () => {
    const verdict = {
      passed: false,
      rows: [],
      notChecked: [],
      notRun: 'BASE_URL: http://127.0.0.1:9 is unreachable',
    };
    const text = textReport(verdict, [], runMeta(), null);
    assert.match(text, /^zerodrop \S+: not run: BASE_URL: http:\/\/127\.0\.0\.1:9 is unreachable\n/);
    assert.doesNotMatch(text, /FAIL|Invariants|Guards|Report:/);
  });
});
