/**
 * Parsers of one setting's value from the environment (`__ENV` in k6, `process.env` in Node), with its
 * default. Every invalid value raises a ConfigError whose one-line message names the setting. The
 * settings themselves are listed in registry.ts. Pure: no k6 imports, unit-tested on Node.
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

export type Env = Record<string, string | undefined>;

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
export function formats() {
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

export function read(env: Env, name: string, format: Format): string | null;
export function read(env: Env, name: string, format: Format, fallback: string): string;
export function read(env: Env, name: string, format: Format, fallback?: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback ?? null;
  if (!format.pattern.test(raw) || raw.length > (format.maxLength ?? Number.POSITIVE_INFINITY))
    throw new ConfigError(name, `${format.message} (got '${raw}')`);
  return raw;
}

export function required(env: Env, name: string, format: Format, hint: string): string {
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

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would take 0x10 as 16 and 1e2 as 100.
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return n;
}

export function share(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new ConfigError(name, `must be a share from 0 to 1 (got '${raw}')`);
  return n;
}

/** A rate strictly between 0 and 1 (`1e-4`, `0.0001`); null when unset. */
export function rate(env: Env, name: string): number | null {
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
