/** The readable summary (stdout and summary.txt). Pure. */
import type { BreakdownRow } from './breakdown.ts';
import { type Diagnosis, diagnosisLines } from './diagnosis.ts';
import type { RunMeta } from './meta.ts';
import { provenLines } from './proven.ts';
import { readinessLines } from './readiness-table.ts';
import { type Verdict, verdictWord } from './verdict.ts';

export function textReport(
  verdict: Verdict,
  breakdown: BreakdownRow[],
  meta: RunMeta,
  /** The folder the reports are written to; null when they are not. */
  reportDir: string | null,
  diagnosis?: Diagnosis,
  /** The k6 web dashboard's export written beside the reports, when asked for. */
  dashboard?: string | null,
): string {
  const lines: string[] = [];
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  lines.push(`zerodrop ${meta.runId}: ${verdictWord(verdict)}`);
  lines.push(
    `  target ${meta.target} · profile ${meta.profile} · thresholds ${meta.thresholds} · strategy ${meta.strategy} × ${meta.rollouts}`,
  );
  lines.push(
    `  users ${meta.users.http} HTTP + ${meta.users.ws} WebSocket, ${meta.users.perVu} per VU · ran ${(meta.durationMs / 1000).toFixed(1)} s`,
  );
  if (meta.timeline.rolloutFailure) lines.push(`  rollout failure: ${meta.timeline.rolloutFailure}`);
  lines.push('');
  for (const kind of verdict.notRun ? [] : (['invariant', 'guard'] as const)) {
    lines.push(kind === 'invariant' ? 'Invariants' : 'Guards (a run where nothing happened fails)');
    for (const row of verdict.rows.filter((r) => r.kind === kind)) {
      const exprs = row.thresholds.map((t) => `${t.expression}${t.ok ? '' : ' ✗'}`).join(', ');
      lines.push(`  ${mark(row.ok)} ${row.title} — ${row.metric} = ${row.value} (${exprs})`);
    }
    lines.push('');
  }
  lines.push(...provenLines(verdict.proven));
  if (verdict.notChecked.length > 0) {
    lines.push('Not checked (the target profile gives them nothing to read)');
    for (const n of verdict.notChecked) lines.push(`  – ${n.title} — ${n.metric}: not checked (${n.reason})`);
    lines.push('');
  }
  if (breakdown.length > 0) {
    lines.push('Failures by invariant, phase, pod, color and cause');
    const header = ['count', 'invariant', 'phase', 'pod', 'color', 'cause'];
    const table = breakdown
      .slice(0, 40)
      .map((r) => [String(r.count), r.invariant, r.phase, r.pod, r.color, r.detail || '—']);
    lines.push(...formatTable([header, ...table]).map((l) => `  ${l}`));
    if (breakdown.length > 40) lines.push(`  … ${breakdown.length - 40} more rows in summary.json`);
    lines.push('');
  }
  lines.push(...readinessLines(meta.readiness));
  if (diagnosis) {
    lines.push('Diagnosis (known failure signatures: likely cause and fix)');
    lines.push(...diagnosisLines(diagnosis).map((l) => `  ${l}`));
    lines.push('');
  }
  lines.push(`Reproduce: ${meta.command}`);
  if (reportDir !== null)
    lines.push(
      `Report: ${reportDir}/ (summary.txt, summary.json, junit.xml, timeline.html${dashboard ? `, ${dashboard}` : ''})`,
    );
  return `${lines.join('\n')}\n`;
}

export function formatTable(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
