/**
 * Runs the real bin/k6 on a bundle with an environment, and reads the report it wrote; or on any
 * script (a test fixture bundled by the test). A run is killed at its timeout, or stopped when its `stop`
 * signal fires (SIGTERM, then SIGKILL if k6 has not exited within 15 s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot as repo } from '../../tools/paths.ts';
import { newRunId } from '../../validator/run/run-id.ts';
import type { BreakdownRow } from '../../validator/verdict/report/breakdown.ts';
import { dashboardEnv } from '../../validator/verdict/report/dashboard.ts';
import type { Diagnosis } from '../../validator/verdict/report/diagnosis.ts';
import type { RunMeta } from '../../validator/verdict/report/meta.ts';

export const k6Binary = join(repo, 'bin/k6');

export interface K6Run {
  exitCode: number | null;
  output: string;
  runId: string;
  /** summary.json of reports/<runId>/, when written. */
  report: K6Report | null;
}

export interface K6Report {
  verdict: {
    passed: boolean;
    rows: { kind: string; metric: string; value: string; ok: boolean }[];
    proven?: { lossGoal: { met: boolean; delivered: number; needed: number; lost: number } | null };
  };
  breakdown: BreakdownRow[];
  diagnosis?: Diagnosis;
  meta: Pick<RunMeta, 'users' | 'readiness' | 'timeline'>;
  /** k6's own end-of-test data. */
  k6: { metrics: Record<string, { values: Record<string, number> } | undefined> };
}

/**
 * Runs a bundle with bin/k6; `dashboard` also writes k6's web dashboard export to
 * reports/<runId>/dashboard.html, as `make validate` does.
 */
export async function runK6(
  script: string,
  env: Record<string, string>,
  timeoutMs = 600_000,
  options: { dashboard?: boolean; stop?: AbortSignal } = {},
): Promise<K6Run> {
  const runId = env.RUN_ID ?? newRunId('test');
  const reportDir = env.REPORT_DIR ?? join(repo, 'reports');
  mkdirSync(join(reportDir, runId), { recursive: true });
  const { exitCode, output } = await runK6Script(
    isAbsolute(script) ? script : join(repo, 'dist', script),
    {
      RUN_ID: runId,
      REPORT_DIR: reportDir,
      ...(options.dashboard ? dashboardEnv(join(reportDir, runId)) : {}),
      ...env,
    },
    timeoutMs,
    options.stop,
  );
  const file = join(reportDir, runId, 'summary.json');
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as K6Report) : null;
  return { exitCode, output, runId, report };
}

/**
 * `k6 run` of any script file with only PATH, HOME and `env`; killed after `timeoutMs`, stopped when
 * `stop` fires (e.g. the rollout actor beside it failed: nothing would end the run before its timeouts).
 * `k6`: another k6 binary than bin/k6 (a benchmark's comparison).
 */
export async function runK6Script(
  file: string,
  env: Record<string, string>,
  timeoutMs: number,
  stop?: AbortSignal,
  k6 = k6Binary,
): Promise<{ exitCode: number | null; output: string }> {
  const run = startK6Script(file, env, k6);
  const killer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const onStop = () => stopK6(run.child);
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  const result = await run.done;
  clearTimeout(killer);
  stop?.removeEventListener('abort', onStop);
  return result;
}

/** How long k6 may take after SIGTERM (it still writes its summary) before it is killed. */
const stopGraceMs = 15_000;

/** SIGTERM, then SIGKILL if k6 has not exited within `stopGraceMs`. */
function stopK6(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
  child.once('exit', () => clearTimeout(killer));
}

/** Starts `k6 run` of a script file (for tests that signal it); `done` resolves once its output closed. */
export function startK6Script(
  file: string,
  env: Record<string, string>,
  k6 = k6Binary,
): { child: ChildProcess; output(): string; done: Promise<{ exitCode: number | null; output: string }> } {
  const child = spawn(k6, ['run', '--quiet', '--no-color', file], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  const done = new Promise<{ exitCode: number | null; output: string }>((resolve) =>
    child.once('close', (code) => resolve({ exitCode: code, output })),
  );
  return { child, output: () => output, done };
}

/** The invariants and guards that failed, by metric. */
export function failedMetrics(run: K6Run): string[] {
  return (run.report?.verdict.rows ?? []).filter((r) => !r.ok).map((r) => r.metric);
}

/** The diagnosis signatures a report names, in its order. */
export function diagnosedIds(run: K6Run): string[] {
  return (run.report?.diagnosis?.findings ?? []).map((f) => f.id);
}

/** Bundles a k6 test fixture (TypeScript that may import validator/) into one script, k6 modules external. */
export async function bundleFixture(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(repo, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['k6', 'k6/*'],
    logLevel: 'silent',
  });
}
