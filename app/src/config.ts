/**
 * The service's configuration: ONE valibot schema over the environment, the Config type derived from
 * it. Every variable is documented in app/.env.example and app/README.md. An empty value counts as
 * unset. A bad value is reported as one line naming the variable (see formatConfigError).
 */
import os from 'node:os';
import * as v from 'valibot';
import { BAD_MODES } from './modes.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const USERNAME = /^[\w.@-]{1,64}$/;
/** Header-safe label: 1–128 visible ASCII characters (used for X-Pod, X-Color, X-Version). */
const LABEL = /^[\x21-\x7e]{1,128}$/;

/** An optional whole number within [min, max], read from a string. */
function wholeNumber(defaultValue: number, min: number, max: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,10}$/, `must be a whole number from ${min} to ${max}`),
      v.transform(Number),
      v.check((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`),
    ),
    String(defaultValue),
  );
}

function label(defaultValue: string | (() => string)) {
  return v.optional(
    v.pipe(v.string(), v.regex(LABEL, 'must be 1–128 visible ASCII characters')),
    defaultValue,
  );
}

/** `alice:pw1,bob:pw2` → Map of username → password. Passwords may contain ':' but not ','. */
const UserList = v.pipe(
  v.string(),
  v.transform((list) => list.split(',').map((entry) => splitOnce(entry, ':'))),
  v.check(
    (entries) => entries.every(([name, password]) => USERNAME.test(name) && password.length > 0),
    'must be a comma-separated list of username:password (username: 1–64 of [A-Za-z0-9_.@-])',
  ),
  v.check(
    (entries) => new Set(entries.map(([name]) => name)).size === entries.length,
    'lists a username twice',
  ),
  v.transform((entries): ReadonlyMap<string, string> => new Map(entries)),
);

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

const EnvSchema = v.pipe(
  v.object(
    {
      PORT: wholeNumber(8080, 1, 65535),
      HOST: v.optional(
        v.pipe(v.string(), v.regex(/^[\w.:-]{1,255}$/, 'must be a host name or IP address')),
        '0.0.0.0',
      ),
      REDIS_URL: v.pipe(
        v.string(),
        v.check(
          (url) => /^rediss?:\/\/[^\s]+$/.test(url) && URL.canParse(url),
          'must be a redis:// or rediss:// URL',
        ),
      ),
      SESSION_TTL_SECONDS: wholeNumber(3600, 1, 2_592_000),
      SESSION_SLIDING: v.optional(v.picklist(['true', 'false'], 'must be true or false'), 'true'),
      KEY_PREFIX: v.optional(
        v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,64}$/, 'must be 1–64 visible ASCII characters')),
        'zd:',
      ),
      POD_NAME: label(() => os.hostname()),
      COLOR: label('default'),
      VERSION: label('dev'),
      USERS: v.optional(UserList),
      SYNTHETIC_USERS_PREFIX: v.optional(
        v.pipe(v.string(), v.regex(/^[\w.@-]{1,32}$/, 'must be 1–32 of [A-Za-z0-9_.@-]')),
        'zd-user-',
      ),
      SYNTHETIC_USERS_PASSWORD: v.optional(
        v.pipe(v.string(), v.maxLength(256, 'must be at most 256 characters')),
      ),
      FEED_INTERVAL_MS: wholeNumber(100, 10, 60_000),
      FEED_MAXLEN: wholeNumber(100_000, 100, 100_000_000),
      DRAIN_SECONDS: wholeNumber(5, 0, 600),
      SHUTDOWN_TIMEOUT_SECONDS: wholeNumber(25, 1, 3600),
      BAD_MODE: v.optional(v.picklist(BAD_MODES, `must be one of ${BAD_MODES.join(', ')}`), 'none'),
      RACE_WINDOW_MS: wholeNumber(20, 0, 10_000),
      LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), 'info'),
    },
    // valibot reports a missing required variable (only REDIS_URL) with the object's message.
    'is required',
  ),
  v.forward(
    v.check(
      (env) => env.DRAIN_SECONDS < env.SHUTDOWN_TIMEOUT_SECONDS,
      'must be less than SHUTDOWN_TIMEOUT_SECONDS, leaving time to close after the drain',
    ),
    ['DRAIN_SECONDS'],
  ),
  v.transform((env) => ({
    port: env.PORT,
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    sessionTtlSeconds: env.SESSION_TTL_SECONDS,
    sessionSliding: env.SESSION_SLIDING === 'true',
    keyPrefix: env.KEY_PREFIX,
    podName: env.POD_NAME,
    color: env.COLOR,
    version: env.VERSION,
    users: env.USERS ?? new Map<string, string>(),
    syntheticUsers: { prefix: env.SYNTHETIC_USERS_PREFIX, password: env.SYNTHETIC_USERS_PASSWORD ?? null },
    feedIntervalMs: env.FEED_INTERVAL_MS,
    feedMaxLen: env.FEED_MAXLEN,
    drainSeconds: env.DRAIN_SECONDS,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
    badMode: env.BAD_MODE,
    raceWindowMs: env.RACE_WINDOW_MS,
    logLevel: env.LOG_LEVEL,
  })),
);

export type Config = v.InferOutput<typeof EnvSchema>;

/** Variables whose values must never be echoed in an error message. */
const SECRET_VARIABLES = new Set(['REDIS_URL', 'USERS', 'SYNTHETIC_USERS_PASSWORD']);

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: string };

/** Parses the environment; on failure returns one line naming the first bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = v.safeParse(EnvSchema, present);
  if (result.success) return { ok: true, config: result.output };
  return { ok: false, error: formatConfigError(result.issues[0], present) };
}

function formatConfigError(issue: v.BaseIssue<unknown>, env: Record<string, string | undefined>): string {
  const variable = String(issue.path?.[0]?.key ?? 'environment');
  const value = env[variable];
  const shown =
    value === undefined || SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(value)})`;
  return `invalid configuration: ${variable} ${issue.message}${shown}`;
}
