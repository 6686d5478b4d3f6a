/**
 * `make validate`: runs dist/zero-downtime.js with bin/k6 with a real rollout of the deployed service (a
 * rolling update, or rainbow colors for the rainbow layout). Its target: with PROFILE=<file>.json, what
 * the profile's kubernetes section names, found in the cluster (profile-target.ts); otherwise the
 * reference service as `make deploy` recorded it.
 * Any validator setting in the environment (ROLLOUTS, HTTP_USERS, THRESHOLDS, …) passes through. Prints
 * the verdict and the report path; exits with k6's code (0 pass, 99 threshold failure, 107/108 setup),
 * or 124 when k6 outlived its run and was stopped (k6-process.ts).
 * k6's web dashboard runs on a free loopback port and its HTML export is written to
 * reports/<run>/dashboard.html (K6_WEB_DASHBOARD=false: not).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot as repo } from '../tools/paths.ts';
import { newRunId } from '../validator/run/run-id.ts';
import { k6LifetimeMs, maxDurationMs } from '../validator/settings/options.ts';
import { parseConfig } from '../validator/settings/registry.ts';
import { dashboardEnv } from '../validator/verdict/report/dashboard.ts';
import { parseDeploySettings } from './config.ts';
import { outlivedExitCode, runK6 } from './k6-process.ts';
import { isProfileFile, resolveProfileTarget } from './profile-target.ts';
import { readTarget } from './target.ts';

export interface ValidateResult {
  exitCode: number;
  runId: string;
  reportDir: string;
}

interface RunTarget {
  label: string;
  env: Record<string, string>;
}

/** The settings that point k6 at what is deployed: from a profile file and the cluster, or target.json. */
async function runTarget(settings: Record<string, string | undefined>): Promise<RunTarget> {
  if (isProfileFile(settings.PROFILE)) {
    const t = await resolveProfileTarget(settings, {
      cluster: parseDeploySettings({ CLUSTER: settings.CLUSTER }).cluster,
    });
    return {
      label: `${t.name} (Deployment ${t.namespace}/${t.deployment}, as ${t.identity}) at ${t.baseUrl}`,
      env: {
        PROFILE: t.profile,
        BASE_URL: t.baseUrl,
        REDIS_URL: t.redisUrl,
        NAMESPACE: t.namespace,
        DEPLOYMENT: t.deployment,
        SERVICE: t.service,
        KUBECONFIG: t.kubeconfig,
        STRATEGY: settings.STRATEGY || 'rolling',
        ZD_RUN_PREFIX: t.name,
      },
    };
  }
  const target = readTarget();
  return {
    label: `${target.mode} (${target.layout}) at ${target.baseUrl}`,
    env: {
      BASE_URL: target.baseUrl,
      REDIS_URL: target.redisUrl,
      NAMESPACE: target.namespace,
      KUBECONFIG: target.driverKubeconfig,
      STRATEGY: settings.STRATEGY || (target.layout === 'rainbow' ? 'rainbow' : 'rolling'),
      ZD_RUN_PREFIX: target.mode,
    },
  };
}

export async function validate(overrides: Record<string, string> = {}): Promise<ValidateResult> {
  const settings = { ...process.env, ...overrides };
  const k6 = path.join(repo, 'bin/k6');
  const script = path.join(repo, 'dist/zero-downtime.js');
  for (const file of [k6, script])
    if (!existsSync(file)) throw new Error(`${path.relative(repo, file)} is missing: run make k6 bundle`);
  const {
    label,
    env: { ZD_RUN_PREFIX: prefix, ...targetEnv },
  } = await runTarget(settings);
  const runId = settings.RUN_ID || newRunId(prefix);
  const reportRoot = settings.REPORT_DIR || path.join(repo, 'reports');
  const reportDir = path.join(reportRoot, runId);
  mkdirSync(reportDir, { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...targetEnv,
    RUN_ID: runId,
    REPORT_DIR: reportRoot,
    ...dashboardEnv(reportDir, settings),
    ...overrides,
    // The resolved target wins over overrides that only named it (a relative PROFILE path).
    ...(targetEnv.PROFILE ? { PROFILE: targetEnv.PROFILE } : {}),
  };
  console.log(` • Validating ${label}: bin/k6 run dist/zero-downtime.js`);
  const exitCode = await runK6({
    k6,
    args: ['run', '--quiet', script],
    cwd: repo,
    env,
    lifetimeMs: lifetimeOf(env, runId),
  });
  return { exitCode, runId, reportDir };
}

/** The longest this run may take, from its settings; null when they are invalid (k6 says which: 107). */
function lifetimeOf(env: Record<string, string>, runId: string): number | null {
  try {
    return k6LifetimeMs(maxDurationMs(parseConfig(env, { requireRedis: false, newRunId: () => runId })));
  } catch {
    return null;
  }
}

export function verdictLine(result: ValidateResult): string {
  if (result.exitCode === outlivedExitCode)
    return `ERROR: k6 outlived its run and was stopped (exit ${outlivedExitCode}): no report`;
  const verdict =
    result.exitCode === 0
      ? 'PASS: zero downtime'
      : result.exitCode === 99
        ? 'FAIL: an invariant or guard failed'
        : `ERROR: the run could not be judged (k6 exit ${result.exitCode})`;
  const dashboard = existsSync(path.join(result.reportDir, 'dashboard.html')) ? ', dashboard.html' : '';
  return `${verdict} — report ${path.relative(process.cwd(), result.reportDir) || result.reportDir}/summary.txt (timeline.html, junit.xml${dashboard})`;
}
