/** What a passing run proves, per invariant and for PROVE_LOSS_BELOW, in every report format. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlReport } from '../../validator/verdict/report/html.ts';
import { junitReport } from '../../validator/verdict/report/junit.ts';
import { lossGoal, proven, provenStatements } from '../../validator/verdict/report/proven.ts';
import { textReport } from '../../validator/verdict/report/text.ts';
import { buildVerdict, type SummaryData, type Verdict } from '../../validator/verdict/report/verdict.ts';
import { runMeta } from './report-fixtures.ts';

const counter = (count: number, ok?: boolean) => ({
  type: 'counter' as const,
  values: { count },
  ...(ok === undefined ? {} : { thresholds: { 'count==0': { ok } } }),
});

/** A run that delivered 120,466 feed messages with none lost, and lost 2 sessions of 50 users. */
function data(overrides: SummaryData['metrics'] = {}): SummaryData {
  return {
    metrics: {
      zd_msgs_lost: counter(0, true),
      zd_msgs_duplicated: counter(0, true),
      zd_msgs_received: counter(120_466),
      zd_http_5xx: counter(0, true),
      zd_requests: counter(3000),
      zd_ws_bad_frames: counter(0, true),
      zd_auth_lost: counter(2, false),
      zd_orders_unacked: counter(0, true),
      zd_session_persisted: {
        type: 'rate',
        values: { rate: 1, passes: 500, fails: 0 },
        thresholds: { 'rate==1': { ok: true } },
      },
      ...overrides,
    },
  };
}

function verdictOf(d: SummaryData, goal: number | null = null): Verdict {
  const verdict = buildVerdict(d, []);
  verdict.proven = proven(d, verdict, goal);
  return verdict;
}

describe('provenStatements', () => {
  const statements = provenStatements(data(), buildVerdict(data(), []));
  const text = (metric: string) => statements.find((s) => s.metric === metric)?.text;

  it('states the bound of every passing count invariant over its denominator', () => {
    assert.equal(
      text('zd_msgs_lost'),
      '0 lost of 120,466 feed messages: loss rate < 2.5 × 10⁻⁵ at 95 % confidence',
    );
    assert.equal(text('zd_http_5xx'), '0 5xx of 3,000 requests: 5xx rate < 1.0 × 10⁻³ at 95 % confidence');
    assert.equal(
      text('zd_session_persisted'),
      '0 lost their session of 500 users: session-loss rate < 6.0 × 10⁻³ at 95 % confidence',
    );
  });

  it('states nothing for failing invariants, invariants without a denominator, or no trials', () => {
    assert.equal(text('zd_auth_lost'), undefined, 'failed');
    assert.equal(text('zd_ws_bad_frames'), undefined, 'frames are not counted');
    assert.equal(text('zd_orders_unacked'), undefined, 'no order was sent');
  });

  it('counts lost messages among the trials, and bounds a tolerated count above zero', () => {
    const tolerated = data({
      zd_msgs_lost: { type: 'counter', values: { count: 3 }, thresholds: { 'count<10': { ok: true } } },
    });
    const s = provenStatements(tolerated, buildVerdict(tolerated, [])).find(
      (x) => x.metric === 'zd_msgs_lost',
    );
    assert.equal(s?.trials, 120_469);
    assert.equal(s?.events, 3);
    assert.equal(s?.text, '3 lost of 120,469 feed messages: loss rate < 6.5 × 10⁻⁵ at 95 % confidence');
  });
});

describe('lossGoal (PROVE_LOSS_BELOW)', () => {
  it('is met when the bound is under the goal', () => {
    const goal = lossGoal(data(), 1e-4);
    assert.equal(goal.met, true);
    assert.equal(goal.needed, 29_956);
    assert.equal(
      goal.text,
      'proves a loss rate below 0.0001: 0 lost of 120,466 feed messages (needed ≥ 29,956 with none lost)',
    );
  });

  it('names both sizes when the run is too small', () => {
    const goal = lossGoal(data({ zd_msgs_received: counter(3010) }), 1e-4);
    assert.equal(goal.met, false);
    assert.equal(
      goal.text,
      'this run is too small to prove 0.0001: it delivered 3,010 feed messages, needs ≥ 29,956',
    );
    assert.equal(lossGoal(data({ zd_msgs_received: undefined }), 1e-4).met, false);
  });

  it('says losses, not size, when a large run lost messages', () => {
    const goal = lossGoal(data({ zd_msgs_lost: counter(9, false) }), 1e-4);
    assert.equal(goal.met, false);
    assert.match(goal.text, /^cannot prove 0\.0001: 9 feed messages were lost of 120,475$/);
  });
});

describe('the reports show what the run proves', () => {
  const small = verdictOf(data({ zd_msgs_received: counter(3010) }), 1e-4);
  const large = verdictOf(data(), 1e-4);

  it('text: a section with the goal and one line per statement', () => {
    const text = textReport(large, [], runMeta(), 'r');
    assert.match(text, /\nWhat this run proves \(one-sided Clopper–Pearson, 95 % confidence\)\n/);
    assert.match(text, /\n {2}✓ PROVE_LOSS_BELOW=0\.0001: proves a loss rate below 0\.0001: /);
    assert.match(
      text,
      /\n {2}zd_msgs_lost: 0 lost of 120,466 feed messages: loss rate < 2\.5 × 10⁻⁵ at 95 % confidence\n/,
    );
    assert.match(
      textReport(small, [], runMeta(), 'r'),
      /✗ PROVE_LOSS_BELOW=0\.0001: this run is too small to prove 0\.0001: it delivered 3,010 feed messages, needs ≥ 29,956/,
    );
    assert.doesNotMatch(textReport(buildVerdict(data(), []), [], runMeta(), 'r'), /What this run proves/);
  });

  it('HTML: its own section, escaped', () => {
    const html = htmlReport(small, [], [], [], runMeta());
    assert.match(html, /<h2>What this run proves<\/h2>/);
    assert.match(html, /<p class="bad">✗ <code>PROVE_LOSS_BELOW=0\.0001<\/code>: this run is too small/);
    assert.match(
      html,
      /<td><code>zd_msgs_lost<\/code><\/td><td>0 lost of 3,010 feed messages: loss rate &lt; /,
    );
  });

  it("JUnit: the statement in its testcase's system-out", () => {
    const xml = junitReport(large, runMeta());
    assert.match(
      xml,
      /<testcase name="zd_msgs_lost count==0" classname="zerodrop.invariant"><system-out>0 lost of 120,466 feed messages: loss rate &lt; 2\.5 × 10⁻⁵ at 95 % confidence<\/system-out><\/testcase>/,
    );
    assert.match(xml, /<testcase name="zd_auth_lost count==0" classname="zerodrop.invariant"><failure /);
  });

  it('JUnit: the goal in the system-out of its guard', () => {
    const verdict = verdictOf(data({ zd_msgs_received: counter(3010) }), 1e-4);
    verdict.rows.push({
      kind: 'guard',
      metric: 'zd_msgs_received',
      title: 'the run is large enough to prove a loss rate below 0.0001 (≥ 29,956 feed messages)',
      value: '3010',
      thresholds: [{ expression: 'count>=29956', ok: false }],
      ok: false,
    });
    assert.match(
      junitReport(verdict, runMeta()),
      /<testcase name="zd_msgs_received count&gt;=29956" classname="zerodrop.guard"><failure message="[^"]*"\/><system-out>this run is too small to prove 0\.0001: it delivered 3,010 feed messages, needs ≥ 29,956<\/system-out>/,
    );
  });
});
