/**
 * Every setting of the validator, once: its environment variable, parser and default, whether it is a
 * secret, and whether it shapes a run. From this table come the Config type and its parsing, the
 * variables a reproduce command repeats and `make cloud` passes with `-e`, the values never printed, and
 * (with registry-docs.ts: what each means) the README's settings table (`make docs`, checked by
 * test/unit/generated-docs.test.ts).
 * Pure: no k6 imports, unit-tested on Node.
 */
import {
  ConfigError,
  duration,
  type Env,
  formats,
  integer,
  oneOf,
  rate,
  read,
  required,
  share,
} from './parse.ts';

export const strategies = ['rolling', 'rainbow', 'none'] as const;
export const rolloutTriggers = ['restart', 'image'] as const;

export type Strategy = (typeof strategies)[number];
export type RolloutTrigger = (typeof rolloutTriggers)[number];

export interface ParseOptions {
  /** The load-only entry runs without Redis (e.g. on cloud load zones). */
  requireRedis: boolean;
  /** Generates a run id when RUN_ID is unset. */
  newRunId: () => string;
}

interface ParseContext extends ParseOptions {
  format: ReturnType<typeof formats>;
}

interface Setting<K extends string, E extends string, T> {
  /** The Config field it fills. */
  key: K;
  env: E;
  parse: (env: Env, context: ParseContext) => T;
  /** Never printed: left out of reproduce commands and reports, passed to k6 cloud unprinted. */
  secret?: true;
  /** Shapes the run: a reproduce command repeats it and `make cloud` passes it with `-e`. */
  perRun: boolean;
}

function setting<K extends string, E extends string, T>(spec: Setting<K, E, T>): Setting<K, E, T> {
  return spec;
}

/**
 * The table, built on each call rather than held: every k6 VU parses its settings once in the init
 * context, and a module-level table (its entries and their parsers) would stay in every VU's heap for
 * the whole run (about 1 KB per entry).
 */
export function settingTable() {
  return [
    setting({
      key: 'baseUrl',
      env: 'BASE_URL',
      parse: (env, c) =>
        required(env, 'BASE_URL', c.format.url, 'the service URL, e.g. http://127.0.0.1:8080').replace(
          /\/+$/,
          '',
        ),
      perRun: true,
    }),
    setting({
      key: 'wsUrl',
      env: 'WS_URL',
      parse: (env, c) => read(env, 'WS_URL', c.format.wsUrl),
      perRun: true,
    }),
    setting({
      key: 'redisUrl',
      env: 'REDIS_URL',
      parse: (env, c) =>
        c.requireRedis
          ? required(
              env,
              'REDIS_URL',
              c.format.redisUrl,
              'the session store to audit, e.g. redis://127.0.0.1:6379',
            )
          : read(env, 'REDIS_URL', c.format.redisUrl),
      perRun: true,
    }),
    setting({
      key: 'profile',
      env: 'PROFILE',
      parse: (env, c) => read(env, 'PROFILE', c.format.anything, 'reference'),
      perRun: true,
    }),
    setting({
      key: 'thresholds',
      env: 'THRESHOLDS',
      parse: (env, c) => read(env, 'THRESHOLDS', c.format.profileRef, 'strict'),
      perRun: true,
    }),
    setting({
      key: 'strategy',
      env: 'STRATEGY',
      parse: (env) => oneOf(env, 'STRATEGY', strategies, 'rolling'),
      perRun: true,
    }),
    setting({
      key: 'rollouts',
      env: 'ROLLOUTS',
      parse: (env) => integer(env, 'ROLLOUTS', 1, 1, 500),
      perRun: true,
    }),
    setting({
      key: 'rolloutTrigger',
      env: 'ROLLOUT_TRIGGER',
      parse: (env) => oneOf(env, 'ROLLOUT_TRIGGER', rolloutTriggers, 'restart'),
      perRun: true,
    }),
    setting({
      key: 'rolloutImage',
      env: 'ROLLOUT_IMAGE',
      parse: (env, c) => read(env, 'ROLLOUT_IMAGE', c.format.anything),
      perRun: true,
    }),
    setting({
      key: 'rolloutTimeoutMs',
      env: 'ROLLOUT_TIMEOUT',
      parse: (env) => duration(env, 'ROLLOUT_TIMEOUT', '5m', 1000),
      perRun: true,
    }),
    setting({
      key: 'baselineMs',
      env: 'BASELINE',
      parse: (env) => duration(env, 'BASELINE', '20s'),
      perRun: true,
    }),
    setting({
      key: 'cooldownMs',
      env: 'COOLDOWN',
      parse: (env) => duration(env, 'COOLDOWN', '15s'),
      perRun: true,
    }),
    setting({
      key: 'drainWindowMs',
      env: 'DRAIN_WINDOW',
      parse: (env) => duration(env, 'DRAIN_WINDOW', '20s'),
      perRun: true,
    }),
    setting({
      key: 'maxColors',
      env: 'MAX_COLORS',
      parse: (env) => integer(env, 'MAX_COLORS', 2, 2, 10),
      perRun: true,
    }),
    setting({
      key: 'httpUsers',
      env: 'HTTP_USERS',
      parse: (env) => integer(env, 'HTTP_USERS', 300, 0, 100_000),
      perRun: true,
    }),
    setting({
      key: 'wsUsers',
      env: 'WS_USERS',
      parse: (env) => integer(env, 'WS_USERS', 200, 0, 100_000),
      perRun: true,
    }),
    setting({
      key: 'usersPerVu',
      env: 'USERS_PER_VU',
      parse: (env) => integer(env, 'USERS_PER_VU', 25, 1, 1000),
      perRun: true,
    }),
    setting({
      key: 'httpPaceMs',
      env: 'HTTP_PACE',
      parse: (env) => duration(env, 'HTTP_PACE', '1s', 50),
      perRun: true,
    }),
    setting({
      key: 'orderIntervalMs',
      env: 'ORDER_INTERVAL',
      parse: (env) => duration(env, 'ORDER_INTERVAL', '2s', 100),
      perRun: true,
    }),
    setting({
      key: 'newConnectionShare',
      env: 'NEW_CONNECTION_SHARE',
      parse: (env) => share(env, 'NEW_CONNECTION_SHARE', 0.2),
      perRun: true,
    }),
    setting({
      key: 'negativeAuthShare',
      env: 'NEGATIVE_AUTH_SHARE',
      parse: (env) => share(env, 'NEGATIVE_AUTH_SHARE', 0.05),
      perRun: true,
    }),
    setting({
      key: 'logoutShare',
      env: 'LOGOUT_SHARE',
      parse: (env) => share(env, 'LOGOUT_SHARE', 0.05),
      perRun: true,
    }),
    setting({
      key: 'logoutRaces',
      env: 'LOGOUT_RACES',
      parse: (env) => integer(env, 'LOGOUT_RACES', 3, 0, 10),
      perRun: true,
    }),
    setting({
      key: 'proveLossBelow',
      env: 'PROVE_LOSS_BELOW',
      parse: (env) => rate(env, 'PROVE_LOSS_BELOW'),
      perRun: true,
    }),
    setting({
      key: 'readinessBoundMs',
      env: 'READINESS_BOUND',
      parse: (env) => duration(env, 'READINESS_BOUND', '15s', 1),
      perRun: true,
    }),
    setting({
      key: 'readinessGraceMs',
      env: 'READINESS_GRACE',
      parse: (env) => duration(env, 'READINESS_GRACE', '2s'),
      perRun: true,
    }),
    setting({
      key: 'namespace',
      env: 'NAMESPACE',
      parse: (env, c) => read(env, 'NAMESPACE', c.format.label),
      perRun: true,
    }),
    setting({
      key: 'deployment',
      env: 'DEPLOYMENT',
      parse: (env, c) => read(env, 'DEPLOYMENT', c.format.name),
      perRun: true,
    }),
    setting({
      key: 'service',
      env: 'SERVICE',
      parse: (env, c) => read(env, 'SERVICE', c.format.serviceName),
      perRun: true,
    }),
    setting({
      key: 'kubeconfig',
      env: 'KUBECONFIG',
      parse: (env, c) => read(env, 'KUBECONFIG', c.format.anything),
      perRun: true,
    }),
    setting({
      key: 'userPrefix',
      env: 'USER_PREFIX',
      parse: (env, c) => read(env, 'USER_PREFIX', c.format.anything),
      perRun: true,
    }),
    setting({
      key: 'userPassword',
      env: 'USER_PASSWORD',
      parse: (env, c) => read(env, 'USER_PASSWORD', c.format.anything),
      secret: true,
      perRun: false,
    }),
    setting({
      key: 'runId',
      env: 'RUN_ID',
      parse: (env, c) => read(env, 'RUN_ID', c.format.runId) ?? c.newRunId(),
      perRun: false,
    }),
    setting({
      key: 'reportDir',
      env: 'REPORT_DIR',
      parse: (env, c) => read(env, 'REPORT_DIR', c.format.anything, 'reports'),
      perRun: true,
    }),
    setting({
      key: 'loadDurationMs',
      env: 'LOAD_DURATION',
      parse: (env) => duration(env, 'LOAD_DURATION', '2m'),
      perRun: false,
    }),
    setting({
      key: 'smokeDurationMs',
      env: 'SMOKE_DURATION',
      parse: (env) => duration(env, 'SMOKE_DURATION', '10s'),
      perRun: false,
    }),
  ] as const;
}

type AnySetting = ReturnType<typeof settingTable>[number];

export type SettingName = AnySetting['env'];

/** The parsed settings: one field per registry entry, typed by its parser. */
export type Config = { [S in AnySetting as S['key']]: ReturnType<S['parse']> };

/** Settings that shape a run, repeated by a reproduce command and passed to `k6 cloud` with `-e`. */
export function runVariables(): string[] {
  return settingTable()
    .filter((s) => s.perRun)
    .map((s) => s.env);
}

/** Settings whose values are never printed. */
export function secretVariables(): string[] {
  return settingTable()
    .filter((s) => 'secret' in s)
    .map((s) => s.env);
}

/** Settings of earlier versions: refused by name, so an old command line does not silently run the defaults. */
const renamedSettings = [
  ['HTTP_VUS', 'HTTP_USERS'],
  ['WS_VUS', 'WS_USERS'],
] as const;

export function parseConfig(env: Env, options: ParseOptions): Config {
  for (const [old, now] of renamedSettings) {
    if (env[old] !== undefined)
      throw new ConfigError(old, `renamed to ${now}: it counts synthetic users, USERS_PER_VU to a k6 VU`);
  }
  if (env.STRATEGY === 'none' && !env.RUN_ID) {
    throw new ConfigError(
      'RUN_ID',
      'is required with STRATEGY=none: the external rollout actor finds the run by it',
    );
  }
  const context: ParseContext = { ...options, format: formats() };
  const config = Object.fromEntries(settingTable().map((s) => [s.key, s.parse(env, context)])) as Config;
  if (config.rolloutTrigger === 'image' && config.rolloutImage === null) {
    throw new ConfigError('ROLLOUT_IMAGE', 'is required when ROLLOUT_TRIGGER=image');
  }
  if (config.httpUsers + config.wsUsers === 0)
    throw new ConfigError('HTTP_USERS', 'HTTP_USERS and WS_USERS are both 0: no users to validate');
  return config;
}
