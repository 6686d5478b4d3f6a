/** The detection matrix the end-to-end tests fill and print: mode × invariant × verdict. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateResult } from '../../deploy/validate.ts';
import type { BreakdownRow } from '../../validator/verdict/report/breakdown.ts';
import { formatTable } from '../../validator/verdict/report/text.ts';

export interface MatrixRow {
  layout: string;
  mode: string;
  expected: string;
  failed: string[];
  verdict: 'PASS' | 'FAIL' | 'ERROR';
  ok: boolean;
}

export const matrix: MatrixRow[] = [];

interface ReportSummary {
  verdict: { rows: { metric: string; ok: boolean }[] };
  breakdown: BreakdownRow[];
}

function readSummary(reportDir: string): ReportSummary {
  return JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as ReportSummary;
}

function failedMetrics(summary: ReportSummary): string[] {
  return summary.verdict.rows.filter((r) => !r.ok).map((r) => r.metric);
}

/** The invariants and guards a run's summary.json marks as failed. */
export function failedInReport(reportDir: string): string[] {
  return failedMetrics(readSummary(reportDir));
}

/** The largest rows of a run's failure breakdown, one line each: what a failed assertion shows. */
function breakdownLines(reportDir: string, rows = 12): string {
  return readSummary(reportDir)
    .breakdown.slice(0, rows)
    .map((r) => `\n  ${r.count} × ${r.invariant} ${r.phase} ${r.pod} ${r.color} ${r.detail || ''}`.trimEnd())
    .join('');
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

/**
 * Records a run in the matrix and asserts it: a good run (no expected invariants) must pass; a bad one
 * must fail on thresholds (99) with at least one of `expected` among the failed invariants.
 */
export function judge(layout: string, mode: string, expected: string[], result: ValidateResult): string[] {
  const failed = result.exitCode === 0 ? [] : result.exitCode === 99 ? failedInReport(result.reportDir) : [];
  const verdict = result.exitCode === 0 ? 'PASS' : result.exitCode === 99 ? 'FAIL' : 'ERROR';
  const ok =
    expected.length === 0
      ? result.exitCode === 0
      : result.exitCode === 99 && expected.some((i) => failed.includes(i));
  matrix.push({ layout, mode, expected: expected.join(' | ') || '—', failed, verdict, ok });
  if (expected.length === 0) {
    assert.equal(
      result.exitCode,
      0,
      `expected PASS, got exit ${result.exitCode}; failed: ${failed.join(', ')}${
        result.exitCode === 99 ? breakdownLines(result.reportDir) : ''
      }`,
    );
  } else {
    assert.equal(result.exitCode, 99, `expected a threshold failure (99), got ${result.exitCode}`);
    assert.ok(ok, `expected one of ${expected.join(', ')} to fail; failed: ${failed.join(', ')}`);
  }
  return failed;
}
