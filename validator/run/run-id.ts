/**
 * A new run id: `[<prefix>-]<UTC yyyymmdd-hhmmss>-<4 random base-36 chars>`, sortable by start time and
 * unique among runs started in the same second. The validator, the deploy targets, the operator, the
 * benchmarks and the tests all name runs this way. Pure: no k6 imports.
 */
export function newRunId(prefix?: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const id = `${stamp}-${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`;
  return prefix ? `${prefix}-${id}` : id;
}
