/**
 * The verdict of a k6-operator run as `make operator-validate` prints it: each runner's k6 exit code and
 * what failed on its share, the whole run's rows (combined-verdict.ts), and the target Deployment's
 * revision, which must move by exactly ROLLOUTS (the rollout ran once, not once per runner). Pure.
 *
 * Exit code: 0 pass, 99 fail, or the first runner's k6 code that is neither (it could not judge, e.g. 108).
 */
import { type CombinedRow, combineRunners, type SummaryRow } from './combined-verdict.ts';

export interface Runner {
  pod: string;
  /** `--execution-segment` of the runner, e.g. `0:1/2`. */
  segment: string;
  exitCode: number | null;
  log: string;
  /** Its summary rows; null when its log holds no summary. */
  rows: SummaryRow[] | null;
}

export interface RevisionChange {
  deployment: string;
  before: number;
  after: number;
  rollouts: number;
}

export function operatorVerdict(
  runId: string,
  runners: Runner[],
  deployment: RevisionChange,
): { text: string; exitCode: number } {
  const lines = [
    `zerodrop ${runId} on the k6-operator (${runners.length} runners)`,
    '',
    'Runners (each judges only its own share)',
  ];
  for (const r of runners) {
    const failed = (r.rows ?? []).filter((row) => !row.ok).map((row) => `${row.metric} = ${row.value}`);
    const summary =
      r.rows === null
        ? 'no summary in its log'
        : failed.length === 0
          ? 'all rows pass'
          : `fails on its share: ${failed.join(', ')}`;
    lines.push(`  ${r.pod}  segment ${r.segment}  k6 exit ${r.exitCode ?? 'none'}  ${summary}`);
  }
  const rolled = deployment.after - deployment.before;
  const rolloutRow: CombinedRow = {
    kind: 'guard',
    ok: rolled === deployment.rollouts,
    title: `the Deployment was rolled exactly ${deployment.rollouts} time(s), not once per runner`,
    metric: `${deployment.deployment} revision`,
    value: `${deployment.before} → ${deployment.after}`,
    thresholds: [{ expression: `+${deployment.rollouts}`, ok: rolled === deployment.rollouts }],
    combination: 'summed',
  };
  const judged = runners.every((r) => r.rows !== null);
  const combined = combineRunners(runners.flatMap((r) => (r.rows ? [r.rows] : [])));
  const rows = [...combined.rows, rolloutRow];
  lines.push('', 'Whole run (counts and rates summed over the runners; percentiles must hold on each)');
  for (const row of rows) {
    const exprs = row.thresholds.map((t) => `${t.expression}${t.ok ? '' : ' ✗'}`).join(', ');
    lines.push(
      `  ${row.ok ? '✓' : '✗'} ${row.title} — ${row.metric} = ${row.value} (${exprs})${row.combination === 'every runner' ? ' [each runner]' : ''}`,
    );
  }
  const unjudged = runners.find((r) => r.exitCode !== 0 && r.exitCode !== 99);
  const passed = judged && combined.passed && rolloutRow.ok;
  const exitCode = unjudged ? (unjudged.exitCode ?? 1) : passed ? 0 : 99;
  lines.push(
    '',
    unjudged
      ? `ERROR: runner ${unjudged.pod} could not judge its share (k6 exit ${unjudged.exitCode ?? 'none'})`
      : passed
        ? 'PASS: zero downtime across the runners'
        : 'FAIL: an invariant or guard failed on the whole run',
    '',
  );
  return { text: lines.join('\n'), exitCode };
}
