/** The detection matrix the end-to-end tests fill and print: mode × invariant × verdict. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatTable } from '../../scripts/lib/report/text.ts';

export interface MatrixRow {
  layout: string;
  mode: string;
  expected: string;
  failed: string[];
  verdict: 'PASS' | 'FAIL' | 'ERROR';
  ok: boolean;
}

export const matrix: MatrixRow[] = [];

/** The invariants and guards a run's summary.json marks as failed. */
export function failedInReport(reportDir: string): string[] {
  const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as {
    verdict: { rows: { metric: string; ok: boolean }[] };
  };
  return summary.verdict.rows.filter((r) => !r.ok).map((r) => r.metric);
}

export function printMatrix(): void {
  if (matrix.length === 0) return;
  const rows = matrix.map((r) => [
    r.layout,
    r.mode,
    r.expected,
    r.verdict,
    r.failed.join(' ') || '—',
    r.ok ? '✓' : '✗',
  ]);
  console.log('\nDetection matrix (mode × invariant × verdict)');
  for (const line of formatTable([
    ['layout', 'mode', 'expected to fail', 'verdict', 'failed', 'as expected'],
    ...rows,
  ])) {
    console.log(`  ${line}`);
  }
}
