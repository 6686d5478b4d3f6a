/**
 * The verdict of a distributed run from its runners' summaries. Pure.
 *
 * The k6-operator (v1.5.0, no Grafana Cloud output) runs N independent k6 processes: each evaluates the
 * thresholds over its own share only. The invariants (`count==0`, `rate==1`) mean the same on a share, but
 * the guards do not: `zd_sessions_established count>=500` cannot hold on a runner that has 250 of the
 * users, and `zd_rollouts_completed count>=1` cannot hold on the runners without the rollout VU. So each
 * runner's text summary (validator/verdict/report/text.ts rows) is read back and the rows are combined: counts
 * and rates are summed over the runners and their thresholds evaluated on the whole run; anything else
 * (trend percentiles) must hold on every runner.
 */

export interface SummaryRow {
  kind: 'invariant' | 'guard';
  ok: boolean;
  title: string;
  metric: string;
  /** As printed: `12`, `100.00% of 150`, `p99 40 ms, max 80 ms`, `no samples`. */
  value: string;
  thresholds: { expression: string; ok: boolean }[];
}

export interface CombinedRow extends SummaryRow {
  /** `summed` over the runners, or `every runner` when the figure cannot be summed. */
  combination: 'summed' | 'every runner';
}

export interface CombinedVerdict {
  passed: boolean;
  rows: CombinedRow[];
}

const rowPattern = /^ {2}([✓✗]) (.+) — (\S+) = (.+) \((.+)\)$/;

/** The verdict rows of one runner's text summary in its log; null when the log holds no summary. */
export function parseSummaryRows(log: string): SummaryRow[] | null {
  const lines = log.split('\n');
  const start = lines.findIndex((l) => /^zerodrop \S+: (PASS|FAIL)$/.test(l));
  if (start < 0) return null;
  const rows: SummaryRow[] = [];
  let kind: SummaryRow['kind'] = 'invariant';
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('Invariants')) kind = 'invariant';
    else if (line.startsWith('Guards')) kind = 'guard';
    else if (line.startsWith('Reproduce:')) break;
    const m = rowPattern.exec(line);
    if (!m) continue;
    rows.push({
      kind,
      ok: m[1] === '✓',
      title: m[2] as string,
      metric: m[3] as string,
      value: m[4] as string,
      thresholds: (m[5] as string).split(', ').map((t) => ({
        expression: t.replace(/ ✗$/, ''),
        ok: !t.endsWith(' ✗'),
      })),
    });
  }
  return rows;
}

interface Figure {
  count: number;
  /** Passes, for a rate. */
  passes?: number;
}

function parseFigure(value: string): Figure | null {
  if (value === 'no samples') return { count: 0 };
  if (/^\d+$/.test(value)) return { count: Number(value) };
  const rate = /^([\d.]+)% of (\d+)$/.exec(value);
  if (rate) {
    const total = Number(rate[2]);
    return { count: total, passes: Math.round((Number(rate[1]) / 100) * total) };
  }
  return null;
}

const thresholdPattern = /^(count|rate)\s*(===|==|!=|>=|<=|>|<)\s*(-?[\d.]+)$/;

function holds(aggregate: number, op: string, bound: number): boolean {
  switch (op) {
    case '==':
    case '===':
      return aggregate === bound;
    case '!=':
      return aggregate !== bound;
    case '>=':
      return aggregate >= bound;
    case '<=':
      return aggregate <= bound;
    case '>':
      return aggregate > bound;
    default:
      return aggregate < bound;
  }
}

/** Sums a row over the runners when every figure and threshold allows it; null otherwise. */
function summed(rows: SummaryRow[]): CombinedRow | null {
  const figures = rows.map((r) => parseFigure(r.value));
  if (figures.some((f) => f === null)) return null;
  const count = figures.reduce((sum, f) => sum + (f as Figure).count, 0);
  const isRate = figures.some((f) => f?.passes !== undefined);
  const passes = figures.reduce((sum, f) => sum + (f?.passes ?? 0), 0);
  if (isRate && count === 0) return null;
  const first = rows[0] as SummaryRow;
  const thresholds: CombinedRow['thresholds'] = [];
  for (const { expression } of first.thresholds) {
    const m = thresholdPattern.exec(expression);
    if (!m || (m[1] === 'rate') !== isRate) return null;
    const aggregate = isRate ? passes / count : count;
    thresholds.push({ expression, ok: holds(aggregate, m[2] as string, Number(m[3])) });
  }
  return {
    ...first,
    value: isRate ? `${((passes / count) * 100).toFixed(2)}% of ${count}` : String(count),
    thresholds,
    ok: thresholds.every((t) => t.ok),
    combination: 'summed',
  };
}

export function combineRunners(runners: SummaryRow[][]): CombinedVerdict {
  const byMetric = new Map<string, SummaryRow[]>();
  for (const rows of runners) {
    for (const row of rows) {
      const key = `${row.kind}|${row.metric}`;
      byMetric.set(key, [...(byMetric.get(key) ?? []), row]);
    }
  }
  const rows: CombinedRow[] = [];
  for (const group of byMetric.values()) {
    const first = group[0] as SummaryRow;
    const missing = group.length < runners.length;
    rows.push(
      (!missing && summed(group)) || {
        ...first,
        value: group.map((r) => r.value).join(' | '),
        ok: !missing && group.every((r) => r.ok && r.thresholds.every((t) => t.ok)),
        combination: 'every runner',
      },
    );
  }
  return { passed: runners.length > 0 && rows.every((r) => r.ok), rows };
}
