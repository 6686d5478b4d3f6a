/**
 * `make cloud` / `make cloud-split`: runs zerodrop with Grafana Cloud k6 (see cloud-plan.ts for what runs
 * where). Prints the exact commands first; then, without K6_CLOUD_TOKEN and K6_CLOUD_STACK_ID, stops with
 * one line naming the missing setting (exit 2) before anything runs.
 *
 * DRY_RUN=1 needs no token and no network: `bin/k6 archive` builds the archive `k6 cloud run` would upload
 * (proving the bundle and the settings load) and `bin/k6 inspect --execution-requirements` reads its VUs and
 * duration from it; nothing is started.
 *
 * Exit code: k6's (the suite's in full mode; in split mode the rollout driver's when it failed, else the
 * load's), 2 for a setting, 1 for anything else.
 *
 * Usage: tsx cloud/run-cloud.ts <full|split>
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { repoRoot as repo } from '../tools/paths.ts';
import { fatal, Status, StepError } from '../tools/status.ts';
import { ConfigError } from '../validator/settings/parse.ts';
import {
  type CloudMode,
  type CloudPlan,
  cloudCredentialsError,
  cloudModes,
  cloudPlan,
  displayCommand,
  type PlannedRun,
  splitReachabilityError,
} from './cloud-plan.ts';

const status = new Status(process.stdout);
/** The outer bound on a real run; k6's own maxDuration normally ends it much earlier. */
const RUN_TIMEOUT_MS = 3 * 60 * 60 * 1000;
const STOP_GRACE_MS = 60_000;

async function main(): Promise<void> {
  try {
    process.exitCode = await cloudRun();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`✗ ${error.message}`);
    process.exit(2);
  }
}

async function cloudRun(): Promise<number> {
  const mode = process.argv[2] as CloudMode;
  if (!cloudModes.includes(mode)) {
    console.error(
      `usage: tsx cloud/run-cloud.ts <${cloudModes.join('|')}>   (DRY_RUN=1: archive and inspect only)`,
    );
    return 2;
  }
  const dryRun = process.env.DRY_RUN === '1';
  const plan = cloudPlan(mode, process.env, process.env.RUN_ID || newRunId());

  console.log(`zerodrop on Grafana Cloud k6 (${mode}), run ${plan.runId}:`);
  for (const run of plan.runs) console.log(`  ${displayCommand(run.argv)}`);

  const reachability = mode === 'split' ? splitReachabilityError(process.env) : null;
  if (reachability) throw reachability;
  for (const file of ['bin/k6', ...plan.runs.map((r) => r.script)]) {
    if (!existsSync(join(repo, file))) throw new StepError(`${file} is missing: run make k6 bundle`);
  }
  if (dryRun) {
    await dryRunPlan(plan);
    status.note('dry run: nothing was started or uploaded; without DRY_RUN=1 the commands above run');
    return 0;
  }
  const credentials = cloudCredentialsError(process.env);
  if (credentials) throw credentials;
  mkdirSync(join(repo, process.env.REPORT_DIR || 'reports', plan.runId), { recursive: true });
  return mode === 'full'
    ? await finish(start(plan.runs[0] as PlannedRun), RUN_TIMEOUT_MS)
    : await runSplit(plan.runs);
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `cloud-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** `k6 archive` + `k6 inspect --execution-requirements` per run: offline, and what the cloud would receive. */
async function dryRunPlan(plan: CloudPlan): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'zerodrop-cloud-'));
  const k6 = $({ cwd: repo, quiet: true, nothrow: true, timeout: '120s' });
  try {
    for (const run of plan.runs) {
      const archive = join(work, `${run.role}.tar`);
      await status.step(`Archiving ${run.script} (${run.role})`, async () => {
        const out = await k6`bin/k6 archive ${run.envFlags} -O ${archive} ${run.script}`;
        if (out.exitCode !== 0) {
          throw new StepError(
            `k6 archive ${run.script} failed (exit ${out.exitCode})`,
            out.stderr || out.stdout,
          );
        }
      });
      const needs = await status.step(`Inspecting the ${run.role} archive`, async () => {
        const out = await k6`bin/k6 inspect --execution-requirements ${archive}`;
        if (out.exitCode !== 0) {
          throw new StepError(
            `k6 inspect ${run.script} failed (exit ${out.exitCode})`,
            out.stderr || out.stdout,
          );
        }
        return JSON.parse(out.stdout) as { maxVUs: number; totalDuration: string; scenarios: object };
      });
      status.note(
        `${run.role}: archive ${Math.round(statSync(archive).size / 1024)} KiB, ${needs.maxVUs} VUs at most, ` +
          `${needs.totalDuration} at most, scenarios ${Object.keys(needs.scenarios).join(', ')}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Started {
  run: PlannedRun;
  child: ChildProcess;
  exit: Promise<number>;
}

function start(run: PlannedRun): Started {
  const [command, ...args] = run.argv as [string, ...string[]];
  const child = spawn(join(repo, command), args, { cwd: repo, stdio: 'inherit' });
  const exit = new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)));
  });
  return { run, child, exit };
}

/** Waits for a process, interrupting it (SIGINT, as Ctrl-C: k6 stops a cloud test run too) at the deadline. */
async function finish(started: Started, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
  });
  const first = await Promise.race([started.exit, deadline]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  started.child.kill('SIGINT');
  const killer = setTimeout(() => started.child.kill('SIGKILL'), STOP_GRACE_MS);
  const code = await started.exit;
  clearTimeout(killer);
  return code;
}

/** Load and rollout together; a failed rollout driver stops the cloud load, whose verdict is then moot. */
async function runSplit(runs: PlannedRun[]): Promise<number> {
  const [load, rollout] = runs.map(start) as [Started, Started];
  const rolloutCode = await finish(rollout, RUN_TIMEOUT_MS);
  if (rolloutCode !== 0) {
    status.note(`the rollout driver exited ${rolloutCode}: stopping the cloud load`);
    const loadCode = await finish(load, 0);
    status.note(`load exited ${loadCode} (stopped), rollout exited ${rolloutCode}`);
    return rolloutCode;
  }
  const loadCode = await finish(load, RUN_TIMEOUT_MS);
  status.note(`load exited ${loadCode}, rollout exited ${rolloutCode}`);
  return loadCode;
}

main().catch(fatal);
