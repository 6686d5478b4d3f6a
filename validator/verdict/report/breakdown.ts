/** Failure breakdowns by invariant, phase, pod, color and cause, and per-second series for the timeline. Pure. */

export interface BreakdownRow {
  invariant: string;
  phase: string;
  pod: string;
  color: string;
  /** The short cause (`status 502`, `error 1210: …`, `close 1006`), empty when none was recorded. */
  detail: string;
  count: number;
}

/** Parses the `failures` hash (`invariant|phase|pod|color|detail` → count), largest first. */
export function parseBreakdown(hash: Record<string, string>): BreakdownRow[] {
  return Object.entries(hash)
    .map(([field, count]) => {
      const [invariant = '', phase = '', pod = '', color = '', detail = ''] = field.split('|');
      return { invariant, phase, pod, color, detail, count: Number(count) };
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
