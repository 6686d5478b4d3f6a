/** The verdict from k6's end-of-test summary data: one row per invariant and per guard. Pure. */
import { type InvariantMetric, invariantTitles } from '../catalog.ts';
import type { Guard, NotChecked } from '../invariants.ts';
import type { Proven } from './proven.ts';

export interface SummaryMetric {
  type: 'counter' | 'rate' | 'trend' | 'gauge';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric | undefined>;
  state?: { testRunDurationMs?: number };
}

export interface VerdictRow {
  kind: 'invariant' | 'guard';
  metric: string;
  title: string;
  /** The figure shown: count, rate or p99. */
  value: string;
  thresholds: { expression: string; ok: boolean }[];
  ok: boolean;
}

export interface Verdict {
  passed: boolean;
  rows: VerdictRow[];
  /** Invariants the target profile could not feed: neither passed nor failed. */
  notChecked: NotChecked[];
  /** What the run proves (report/proven.ts); set by the summary. */
  proven?: Proven;
  /** Why the run did not run (setup() stopped it): the reports say so instead of a verdict. */
  notRun?: string;
}

/** The verdict's word: PASS, FAIL, or `not run: <reason>`. */
export function verdictWord(verdict: Verdict): string {
  if (verdict.notRun) return `not run: ${verdict.notRun}`;
  return verdict.passed ? 'PASS' : 'FAIL';
}

export function figure(metric: SummaryMetric | undefined): string {
  if (!metric) return 'no samples';
  const v = metric.values;
  switch (metric.type) {
    case 'counter':
      return String(v.count ?? 0);
    case 'rate':
      return `${((v.rate ?? 0) * 100).toFixed(2)}% of ${(v.passes ?? 0) + (v.fails ?? 0)}`;
    case 'trend':
      return `p99 ${Math.round(v['p(99)'] ?? 0)} ms, max ${Math.round(v.max ?? 0)} ms`;
    case 'gauge':
      return String(v.value ?? 0);
  }
}

export function buildVerdict(data: SummaryData, guards: Guard[], notChecked: NotChecked[] = []): Verdict {
  const rows: VerdictRow[] = [];
  const guardMetrics = new Set<string>(guards.map((g) => g.metric));
  const invariants: Record<string, string> = invariantTitles();
  for (const [metric, title] of Object.entries(invariants)) {
    const m = data.metrics[metric];
    if (!m?.thresholds || guardMetrics.has(metric)) continue;
    rows.push(row('invariant', metric, title, m));
  }
  for (const guard of guards) {
    const m = data.metrics[guard.metric];
    const threshold = m?.thresholds?.[guard.threshold];
    // A guard whose metric never got a sample has no threshold result in some k6 modes: it failed.
    rows.push({
      kind: 'guard',
      metric: guard.metric,
      title: guard.title,
      value: figure(m),
      thresholds: [{ expression: guard.threshold, ok: threshold?.ok ?? false }],
      ok: threshold?.ok ?? false,
    });
  }
  // Thresholds the run defined on other metrics (e.g. a profile's extra trend limits).
  for (const [metric, m] of Object.entries(data.metrics)) {
    if (!m?.thresholds || Object.hasOwn(invariants, metric) || guardMetrics.has(metric)) continue;
    rows.push(row('invariant', metric, metric, m));
  }
  return { passed: rows.every((r) => r.ok), rows, notChecked };
}

function row(kind: VerdictRow['kind'], metric: string, title: string, m: SummaryMetric): VerdictRow {
  const thresholds = Object.entries(m.thresholds ?? {}).map(([expression, t]) => ({ expression, ok: t.ok }));
  return { kind, metric, title, value: figure(m), thresholds, ok: thresholds.every((t) => t.ok) };
}

export function isInvariant(metric: string): metric is InvariantMetric {
  return Object.hasOwn(invariantTitles(), metric);
}
