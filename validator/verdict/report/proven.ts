/**
 * What a passing run proves, per count invariant: "0 lost of 120,466 feed messages: loss rate < 2.5 × 10⁻⁵
 * at 95 % confidence" (bounds.ts, denominators in invariants.ts), and whether PROVE_LOSS_BELOW was met.
 * Shown by every report format; summary.json carries it as `verdict.proven`. Pure.
 */
import { confidence, formatCount, formatRate, trialsToProve, upperBound } from '../bounds.ts';
import { denominators, type InvariantMetric } from '../invariants.ts';
import { escapeXml } from './junit.ts';
import type { SummaryData, Verdict } from './verdict.ts';

export interface Statement {
  metric: string;
  events: number;
  trials: number;
  /** The one-sided upper bound on the rate at `confidence`. */
  bound: number;
  text: string;
}

export interface LossGoal {
  goal: number;
  /** Feed messages the run had to deliver with none lost. */
  needed: number;
  delivered: number;
  lost: number;
  met: boolean;
  text: string;
}

export interface Proven {
  confidence: number;
  statements: Statement[];
  lossGoal: LossGoal | null;
}

function count(data: SummaryData, metric: string): number {
  return data.metrics[metric]?.values.count ?? 0;
}

/** Events and trials of one invariant, from k6's summary; null when it has no denominator. */
function eventsAndTrials(data: SummaryData, metric: InvariantMetric): [number, number] | null {
  const d = denominators[metric];
  if (!d) return null;
  const m = data.metrics[metric];
  if (m?.type === 'rate') return [m.values.fails ?? 0, (m.values.passes ?? 0) + (m.values.fails ?? 0)];
  const events = count(data, metric);
  return [events, count(data, d.metric) + (d.withoutEvents ? events : 0)];
}

/** One statement per passing invariant that has a denominator and at least one trial. */
export function provenStatements(data: SummaryData, verdict: Pick<Verdict, 'rows'>): Statement[] {
  const out: Statement[] = [];
  for (const row of verdict.rows) {
    if (row.kind !== 'invariant' || !row.ok) continue;
    const d = denominators[row.metric as InvariantMetric];
    const et = eventsAndTrials(data, row.metric as InvariantMetric);
    if (!d || !et) continue;
    const [events, trials] = et;
    if (trials <= 0 || events > trials) continue;
    const bound = upperBound(events, trials);
    out.push({
      metric: row.metric,
      events,
      trials,
      bound,
      text: `${formatCount(events)} ${d.events} of ${formatCount(trials)} ${d.trials}: ${d.rate} < ${formatRate(bound)} at ${confidence * 100} % confidence`,
    });
  }
  return out;
}

/** Whether the run proved a loss rate below PROVE_LOSS_BELOW, in the words of its guard. */
export function lossGoal(data: SummaryData, goal: number): LossGoal {
  const needed = trialsToProve(goal);
  const lost = count(data, 'zd_msgs_lost');
  const delivered = count(data, 'zd_msgs_received');
  const trials = delivered + lost;
  const met = trials > 0 && upperBound(lost, trials) < goal;
  const text = met
    ? `proves a loss rate below ${goal}: ${formatCount(lost)} lost of ${formatCount(trials)} feed messages (needed ≥ ${formatCount(needed)} with none lost)`
    : lost > 0 && delivered >= needed
      ? `cannot prove ${goal}: ${formatCount(lost)} feed messages were lost of ${formatCount(trials)}`
      : `this run is too small to prove ${goal}: it delivered ${formatCount(delivered)} feed messages, needs ≥ ${formatCount(needed)}`;
  return { goal, needed, delivered, lost, met, text };
}

export function proven(data: SummaryData, verdict: Pick<Verdict, 'rows'>, goal: number | null): Proven {
  return {
    confidence,
    statements: provenStatements(data, verdict),
    lossGoal: goal === null ? null : lossGoal(data, goal),
  };
}

/** The text report's section; empty when nothing is stated. */
export function provenLines(p: Proven | undefined): string[] {
  if (!p || (p.statements.length === 0 && !p.lossGoal)) return [];
  const lines = [`What this run proves (one-sided Clopper–Pearson, ${p.confidence * 100} % confidence)`];
  if (p.lossGoal)
    lines.push(`  ${p.lossGoal.met ? '✓' : '✗'} PROVE_LOSS_BELOW=${p.lossGoal.goal}: ${p.lossGoal.text}`);
  for (const s of p.statements) lines.push(`  ${s.metric}: ${s.text}`);
  lines.push('');
  return lines;
}

/** The HTML report's section; empty when nothing is stated. */
export function provenHtml(p: Proven | undefined): string {
  if (!p || (p.statements.length === 0 && !p.lossGoal)) return '';
  const goal = p.lossGoal
    ? `<p class="${p.lossGoal.met ? 'ok' : 'bad'}">${p.lossGoal.met ? '✓' : '✗'} <code>PROVE_LOSS_BELOW=${p.lossGoal.goal}</code>: ${escapeXml(p.lossGoal.text)}</p>`
    : '';
  const rows = p.statements
    .map((s) => `<tr><td><code>${escapeXml(s.metric)}</code></td><td>${escapeXml(s.text)}</td></tr>`)
    .join('\n');
  return `<h2>What this run proves</h2>
<p>One-sided Clopper–Pearson upper bounds at ${p.confidence * 100} % confidence.</p>
${goal}${rows ? `<table><tr><th>invariant</th><th>statement</th></tr>\n${rows}\n</table>` : ''}
`;
}

/** What a JUnit testcase (a metric and one of its thresholds) states, for its system-out; null for none. */
export function provenFor(p: Proven | undefined, metric: string, expression: string): string | null {
  if (!p) return null;
  const lines: string[] = [];
  const statement = p.statements.find((s) => s.metric === metric);
  if (statement) lines.push(statement.text);
  if (p.lossGoal && metric === 'zd_msgs_received' && expression === `count>=${p.lossGoal.needed}`)
    lines.push(p.lossGoal.text);
  return lines.length > 0 ? lines.join('\n') : null;
}
