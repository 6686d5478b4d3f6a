/** Failure breakdowns by invariant, phase, pod and color, and per-second series for the timeline. Pure. */

export interface BreakdownRow {
  invariant: string;
  phase: string;
  pod: string;
  color: string;
  count: number;
}

/** Parses the `failures` hash (`invariant|phase|pod|color` → count), largest first. */
export function parseBreakdown(hash: Record<string, string>): BreakdownRow[] {
  return Object.entries(hash)
    .map(([field, count]) => {
      const [invariant = '', phase = '', pod = '', color = ''] = field.split('|');
      return { invariant, phase, pod, color, count: Number(count) };
    })
    .sort((a, b) => b.count - a.count || a.invariant.localeCompare(b.invariant));
}

export interface SeriesPoint {
  second: number;
  key: string;
  count: number;
}

/** Parses a per-second hash (`second|key…` → count). */
export function parseSeries(hash: Record<string, string>): SeriesPoint[] {
  return Object.entries(hash)
    .map(([field, count]) => {
      const [second = '0', ...rest] = field.split('|');
      return { second: Number(second), key: rest.join('|'), count: Number(count) };
    })
    .sort((a, b) => a.second - b.second);
}
