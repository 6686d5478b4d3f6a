/**
 * What `make cloud` and `make cloud-split` run on Grafana Cloud k6, as argument vectors, and the settings
 * they need. Pure: no processes, no network.
 *
 *   full   bin/k6 cloud run --local-execution dist/zero-downtime.js   the whole suite runs here (the
 *          community k6/x/kubernetes extension cannot run on public load zones); results stream to the cloud
 *   split  bin/k6 cloud run dist/load.js    the users on Grafana Cloud load zones (official extensions only)
 *          bin/k6 run dist/rollout.js       the rollout driver here; both meet in Redis under one RUN_ID
 *
 * `k6 cloud run` does not hand the shell's environment to the script (--include-system-env-vars is off
 * for cloud commands), so every zerodrop setting that is set goes on the command line with `-e`.
 */
import { ConfigError } from '../validator/settings/parse.ts';
import { runVariables, secretVariables } from '../validator/settings/registry.ts';

export const cloudModes = ['full', 'split'] as const;
export type CloudMode = (typeof cloudModes)[number];

type Env = Record<string, string | undefined>;

export interface PlannedRun {
  /** What this process is, for the output: `suite`, `load` or `rollout`. */
  role: string;
  /** The bundle it runs, relative to the repository. */
  script: string;
  /** `-e NAME=value` for every setting that is set (the same for archive, inspect and run). */
  envFlags: string[];
  /** The full command, `bin/k6` first. */
  argv: string[];
}

export interface CloudPlan {
  runId: string;
  runs: PlannedRun[];
}

/** Settings passed with -e besides the reproducible ones: the run id, the load-only duration, the secret. */
const extraVariables = ['RUN_ID', 'LOAD_DURATION', ...secretVariables()];

export function cloudPlan(mode: CloudMode, env: Env, runId: string): CloudPlan {
  const flags = envFlags({ ...env, RUN_ID: runId });
  const run = (role: string, script: string, command: string[]): PlannedRun => ({
    role,
    script,
    envFlags: flags,
    argv: ['bin/k6', ...command, ...flags, script],
  });
  if (mode === 'full') {
    return { runId, runs: [run('suite', 'dist/zero-downtime.js', ['cloud', 'run', '--local-execution'])] };
  }
  return {
    runId,
    runs: [run('load', 'dist/load.js', ['cloud', 'run']), run('rollout', 'dist/rollout.js', ['run'])],
  };
}

/**
 * The bundles that run on Grafana Cloud load zones (`k6 cloud run` without `--local-execution`) in any
 * mode: they may import only what the load zones provide (build/cloud-imports.ts checks it at bundle time).
 */
export function loadZoneScripts(): string[] {
  const runs = cloudModes.flatMap((mode) => cloudPlan(mode, {}, 'plan').runs);
  const onLoadZones = runs.filter((r) => r.argv[1] === 'cloud' && !r.argv.includes('--local-execution'));
  return [...new Set(onLoadZones.map((r) => r.script))];
}

function envFlags(env: Env): string[] {
  return [...runVariables(), ...extraVariables].flatMap((name) => {
    const value = env[name];
    return value === undefined || value === '' ? [] : ['-e', `${name}=${value}`];
  });
}

/** K6_CLOUD_TOKEN and K6_CLOUD_STACK_ID (the numeric stack id), as k6 reads them; null when both are usable. */
export function cloudCredentialsError(env: Env): ConfigError | null {
  const missing = ['K6_CLOUD_TOKEN', 'K6_CLOUD_STACK_ID'].filter((name) => !env[name]);
  if (missing.length > 0) {
    return new ConfigError(
      missing.join(' and '),
      `${missing.length > 1 ? 'are' : 'is'} not set: export a Grafana Cloud k6 token and your numeric stack id (https://grafana.com/docs/grafana-cloud/testing/k6/author-run/tokens-and-cli-authentication)`,
    );
  }
  if (!/^[1-9]\d*$/.test(env.K6_CLOUD_STACK_ID as string)) {
    return new ConfigError(
      'K6_CLOUD_STACK_ID',
      `must be the numeric stack id (got '${env.K6_CLOUD_STACK_ID}')`,
    );
  }
  return null;
}

/**
 * In split mode the users run on Grafana Cloud load zones: the service and the Redis the two halves meet in
 * must be reachable from the internet. Names that only resolve here are refused before anything starts.
 */
export function splitReachabilityError(env: Env): ConfigError | null {
  for (const name of ['BASE_URL', 'REDIS_URL']) {
    const value = env[name];
    if (!value) continue;
    let host: string;
    try {
      host = new URL(value).hostname;
    } catch {
      continue; // not a URL: the script's own validation names it (exit 107)
    }
    if (isLocalHost(host)) {
      return new ConfigError(
        name,
        `${host} is not reachable from Grafana Cloud load zones: use make cloud (local execution) or a public address`,
      );
    }
  }
  return null;
}

function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h.endsWith('.localhost')) return true;
  if (h.endsWith('.svc') || h.endsWith('.cluster.local') || h.endsWith('.local') || !h.includes('.'))
    return true;
  const octets = h.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) return false;
  const [a, b] = octets as [number, number, number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 0;
}

/** The command as a shell line, with secrets and URL passwords masked. */
export function displayCommand(argv: string[]): string {
  return argv.map((arg) => shellQuote(mask(arg))).join(' ');
}

function mask(arg: string): string {
  const eq = arg.indexOf('=');
  if (eq > 0 && secretVariables().includes(arg.slice(0, eq))) return `${arg.slice(0, eq)}=***`;
  return arg.replace(/(\w+:\/\/[^/\s:@]*:)[^@/\s]+@/, '$1***@');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
