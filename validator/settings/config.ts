/**
 * The validator's settings: read once from the environment (`__ENV` in k6, `process.env` in Node),
 * validated, with defaults. Every invalid setting raises a ConfigError whose one-line message names it.
 * Pure: no k6 imports, unit-tested on Node.
 */
import { parseDuration } from './duration.ts';
import { redact } from './redact.ts';

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    // One line even when a value holds a line break; no credentials of a URL.
    super(redact(`${setting}: ${problem}`.replace(/\r?\n|\r/g, '\\n')));
    this.name = 'ConfigError';
  }
}

export const strategies = ['rolling', 'rainbow', 'none'] as const;
export const rolloutTriggers = ['restart', 'image'] as const;

export type Strategy = (typeof strategies)[number];
export type RolloutTrigger = (typeof rolloutTriggers)[number];

export interface Config {
  runId: string;
  /** Target profile: a built-in name or a path to a JSON profile. */
  profile: string;
  baseUrl: string;
  /** WebSocket URL; derived from baseUrl and the profile when unset. */
  wsUrl: string | null;
  redisUrl: string | null;
  /** Threshold profile name (a file in thresholds/). */
  thresholds: string;
  strategy: Strategy;
  rollouts: number;
  rolloutTrigger: RolloutTrigger;
  rolloutImage: string | null;
  rolloutTimeoutMs: number;
  baselineMs: number;
  cooldownMs: number;
  /** Rainbow: how long old colors keep draining after the selector switch. */
  drainWindowMs: number;
  /** Rainbow: colors kept alive at most. */
  maxColors: number;
  /** Synthetic users of each kind. */
  httpUsers: number;
  wsUsers: number;
  /** Users one VU runs concurrently (k6 instantiates the whole script in every VU). */
  usersPerVu: number;
  httpPaceMs: number;
  orderIntervalMs: number;
  newConnectionShare: number;
  negativeAuthShare: number;
  logoutShare: number;
  /** Identity requests sent concurrently with each logout (the check-then-act race of seed 000); 0 = none. */
  logoutRaces: number;
  namespace: string | null;
  deployment: string | null;
  service: string | null;
  kubeconfig: string | null;
  userPrefix: string | null;
  userPassword: string | null;
  reportDir: string;
  /** PROVE_LOSS_BELOW: the loss rate the run must be large enough to prove (a guard); null when unset. */
  proveLossBelow: number | null;
}

type Env = Record<string, string | undefined>;

/** A string setting's format: a pattern and what to say when a value does not match it. */
interface Format {
  pattern: RegExp;
  message: string;
  maxLength?: number;
}

/**
 * The string formats, built per parse: k6 evaluates the bundle's top level in every VU, where compiled
 * patterns would stay for the whole run.
 */
function formats() {
  return {
    anything: { pattern: /^[\s\S]*$/, message: '' },
    url: { pattern: /^https?:\/\/[^\s/]+\S*$/, message: 'must be an http:// or https:// URL' },
    wsUrl: { pattern: /^wss?:\/\/[^\s/]+\S*$/, message: 'must be a ws:// or wss:// URL' },
    redisUrl: { pattern: /^rediss?:\/\/[^\s/]+\S*$/, message: 'must be a redis:// or rediss:// URL' },
    // Kubernetes names: a namespace is a DNS-1123 label, a Service a DNS-1035 label, a Deployment a subdomain.
    label: {
      pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      message: 'must be a DNS-1123 label (a-z, 0-9 and -, at most 63 characters)',
      maxLength: 63,
    },
    serviceName: {
      pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      message: 'must be a DNS-1035 label (a letter, then a-z, 0-9 and -, at most 63 characters)',
      maxLength: 63,
    },
    name: {
      pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      message: 'must be a DNS-1123 name (at most 253 characters)',
      maxLength: 253,
    },
    runId: { pattern: /^[\w-]{1,64}$/, message: 'must be 1-64 chars of [A-Za-z0-9_-]' },
    profileRef: {
      pattern: /^([\w-]+|\S+\.json)$/,
      message: 'must be a profile name or a path to a .json file',
    },
  } satisfies Record<string, Format>;
}

function read(env: Env, name: string, format: Format): string | null;
function read(env: Env, name: string, format: Format, fallback: string): string;
function read(env: Env, name: string, format: Format, fallback?: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback ?? null;
  if (!format.pattern.test(raw) || raw.length > (format.maxLength ?? Number.POSITIVE_INFINITY))
    throw new ConfigError(name, `${format.message} (got '${raw}')`);
  return raw;
}

function required(env: Env, name: string, format: Format, hint: string): string {
  const value = read(env, name, format);
  if (value === null) throw new ConfigError(name, `is required: ${hint}`);
  return value;
}

/** The longest duration setting: a day keeps the run's total duration far inside what k6 accepts. */
export const maxDurationSettingMs = 24 * 3_600_000;

export function duration(env: Env, name: string, fallback: string, minMs = 0): number {
  const raw = env[name] || fallback;
  const ms = parseDuration(raw);
  if (ms === null) throw new ConfigError(name, `must be a duration like 30s or 2m (got '${raw}')`);
  if (ms < minMs) throw new ConfigError(name, `must be at least ${minMs} ms (got '${raw}')`);
  if (ms > maxDurationSettingMs) throw new ConfigError(name, `must be at most 24h (got '${raw}')`);
  return ms;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would take 0x10 as 16 and 1e2 as 100.
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return n;
}

function share(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new ConfigError(name, `must be a share from 0 to 1 (got '${raw}')`);
  return n;
}

/** A rate strictly between 0 and 1 (`1e-4`, `0.0001`); null when unset. */
function rate(env: Env, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw new ConfigError(name, `must be a rate between 0 and 1 (exclusive), e.g. 1e-4 (got '${raw}')`);
  return n;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `unknown value '${raw}' (expected one of: ${allowed.join(', ')})`);
  }
  return raw as T;
}

/** Settings of earlier versions: refused by name, so an old command line does not silently run the defaults. */
const renamedSettings = [
  ['HTTP_VUS', 'HTTP_USERS'],
  ['WS_VUS', 'WS_USERS'],
] as const;

export interface ParseOptions {
  /** The load-only entry runs without Redis (e.g. on cloud load zones). */
  requireRedis: boolean;
  /** Generates a run id when RUN_ID is unset. */
  newRunId: () => string;
}

export function parseConfig(env: Env, options: ParseOptions): Config {
  const format = formats();
  const strategy = oneOf(env, 'STRATEGY', strategies, 'rolling');
  const rolloutTrigger = oneOf(env, 'ROLLOUT_TRIGGER', rolloutTriggers, 'restart');
  const rolloutImage = read(env, 'ROLLOUT_IMAGE', format.anything);
  if (rolloutTrigger === 'image' && rolloutImage === null) {
    throw new ConfigError('ROLLOUT_IMAGE', 'is required when ROLLOUT_TRIGGER=image');
  }
  if (strategy === 'none' && !env.RUN_ID) {
    throw new ConfigError(
      'RUN_ID',
      'is required with STRATEGY=none: the external rollout actor finds the run by it',
    );
  }
  const redisUrl = options.requireRedis
    ? required(env, 'REDIS_URL', format.redisUrl, 'the session store to audit, e.g. redis://127.0.0.1:6379')
    : read(env, 'REDIS_URL', format.redisUrl);
  for (const [old, now] of renamedSettings) {
    if (env[old] !== undefined)
      throw new ConfigError(old, `renamed to ${now}: it counts synthetic users, USERS_PER_VU to a k6 VU`);
  }
  const httpUsers = integer(env, 'HTTP_USERS', 300, 0, 100_000);
  const wsUsers = integer(env, 'WS_USERS', 200, 0, 100_000);
  if (httpUsers + wsUsers === 0)
    throw new ConfigError('HTTP_USERS', 'HTTP_USERS and WS_USERS are both 0: no users to validate');
  return {
    runId: read(env, 'RUN_ID', format.runId) ?? options.newRunId(),
    profile: read(env, 'PROFILE', format.anything, 'reference'),
    baseUrl: required(env, 'BASE_URL', format.url, 'the service URL, e.g. http://127.0.0.1:8080').replace(
      /\/+$/,
      '',
    ),
    wsUrl: read(env, 'WS_URL', format.wsUrl),
    redisUrl,
    thresholds: read(env, 'THRESHOLDS', format.profileRef, 'strict'),
    strategy,
    rollouts: integer(env, 'ROLLOUTS', 1, 1, 500),
    rolloutTrigger,
    rolloutImage,
    rolloutTimeoutMs: duration(env, 'ROLLOUT_TIMEOUT', '5m', 1000),
    baselineMs: duration(env, 'BASELINE', '20s'),
    cooldownMs: duration(env, 'COOLDOWN', '15s'),
    drainWindowMs: duration(env, 'DRAIN_WINDOW', '20s'),
    maxColors: integer(env, 'MAX_COLORS', 2, 2, 10),
    httpUsers,
    wsUsers,
    usersPerVu: integer(env, 'USERS_PER_VU', 25, 1, 1000),
    httpPaceMs: duration(env, 'HTTP_PACE', '1s', 50),
    orderIntervalMs: duration(env, 'ORDER_INTERVAL', '2s', 100),
    newConnectionShare: share(env, 'NEW_CONNECTION_SHARE', 0.2),
    negativeAuthShare: share(env, 'NEGATIVE_AUTH_SHARE', 0.05),
    logoutShare: share(env, 'LOGOUT_SHARE', 0.05),
    logoutRaces: integer(env, 'LOGOUT_RACES', 3, 0, 10),
    namespace: read(env, 'NAMESPACE', format.label),
    deployment: read(env, 'DEPLOYMENT', format.name),
    service: read(env, 'SERVICE', format.serviceName),
    kubeconfig: read(env, 'KUBECONFIG', format.anything),
    userPrefix: read(env, 'USER_PREFIX', format.anything),
    userPassword: read(env, 'USER_PASSWORD', format.anything),
    reportDir: read(env, 'REPORT_DIR', format.anything, 'reports'),
    proveLossBelow: rate(env, 'PROVE_LOSS_BELOW'),
  };
}
