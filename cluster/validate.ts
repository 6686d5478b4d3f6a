/**
 * `make validate`: runs dist/zero-downtime.js with bin/k6 against what `make deploy` recorded, with a
 * real rollout of the deployed service (a rolling update, or rainbow colors for the rainbow layout).
 * Any validator setting in the environment (ROLLOUTS, HTTP_USERS, THRESHOLDS, …) passes through. Prints
 * the verdict and the report path; exits with k6's code (0 pass, 99 threshold failure, 107/108 setup).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { readTarget } from './target.ts';

const repo = path.resolve(import.meta.dirname, '..');

export interface ValidateResult {
  exitCode: number;
  runId: string;
  reportDir: string;
}

export async function validate(overrides: Record<string, string> = {}): Promise<ValidateResult> {
  const target = readTarget();
  const k6 = path.join(repo, 'bin/k6');
  const script = path.join(repo, 'dist/zero-downtime.js');
  for (const file of [k6, script])
    if (!existsSync(file)) throw new Error(`${path.relative(repo, file)} is missing: run make k6 bundle`);
  const runId =
    overrides.RUN_ID ||
    process.env.RUN_ID ||
    `${target.profile}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
  const reportRoot = overrides.REPORT_DIR || process.env.REPORT_DIR || path.join(repo, 'reports');
  const reportDir = path.join(reportRoot, runId);
  mkdirSync(reportDir, { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BASE_URL: target.baseUrl,
    REDIS_URL: target.redisUrl,
    NAMESPACE: target.namespace,
    KUBECONFIG: target.driverKubeconfig,
    STRATEGY: process.env.STRATEGY || (target.layout === 'rainbow' ? 'rainbow' : 'rolling'),
    RUN_ID: runId,
    REPORT_DIR: reportRoot,
    ...overrides,
  };
  console.log(
    ` • Validating ${target.profile} (${target.layout}) at ${target.baseUrl}: bin/k6 run dist/zero-downtime.js`,
  );
  // Forwarded through this process's streams, not inherited: a test runner reading our stdout must
  // never see k6's bytes land in the middle of its own messages.
  const child = spawn(k6, ['run', '--quiet', script], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(process.stdout, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  const exitCode = await new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return { exitCode, runId, reportDir };
}

export function verdictLine(result: ValidateResult): string {
  const verdict =
    result.exitCode === 0
      ? 'PASS: zero downtime'
      : result.exitCode === 99
        ? 'FAIL: an invariant or guard failed'
        : `ERROR: the run could not be judged (k6 exit ${result.exitCode})`;
  return `${verdict} — report ${path.relative(process.cwd(), result.reportDir) || result.reportDir}/summary.txt (timeline.html, junit.xml)`;
}
