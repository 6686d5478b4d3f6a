/**
 * Every setting of the validator, once: its environment variable, parser and default, what it means,
 * whether it is a secret, and whether it shapes a run. From this table come the Config type and its
 * parsing, the variables a reproduce command repeats and `make cloud` passes with `-e`, the values never
 * printed, and the README's settings table (`settingsTable`, checked by test/unit/settings-registry.test.ts).
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

interface Setting<K extends string, T> {
  /** The Config field it fills. */
  key: K;
  env: string;
  parse: (env: Env, context: ParseContext) => T;
  /** The default as the README shows it. */
  default: string;
  meaning: string;
  /** Never printed: left out of reproduce commands and reports, passed to k6 cloud unprinted. */
  secret?: true;
  /** Shapes the run: a reproduce command repeats it and `make cloud` passes it with `-e`. */
  perRun: boolean;
}

function setting<K extends string, T>(spec: Setting<K, T>): Setting<K, T> {
  return spec;
}

export const settings = [
  setting({
    key: 'baseUrl',
    env: 'BASE_URL',
    parse: (env, c) =>
      required(env, 'BASE_URL', c.format.url, 'the service URL, e.g. http://127.0.0.1:8080').replace(
        /\/+$/,
        '',
      ),
    default: 'required',
    meaning: 'the service, e.g. `http://127.0.0.1:8080`',
    perRun: true,
  }),
  setting({
    key: 'wsUrl',
    env: 'WS_URL',
    parse: (env, c) => read(env, 'WS_URL', c.format.wsUrl),
    default: 'from `BASE_URL` + profile',
    meaning: 'WebSocket URL',
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
    default: 'required (`zero-downtime`, `rollout`)',
    meaning:
      "the session store to audit; also carries the run's control keys `zdrun:<RUN_ID>:*`; parsed at start by go-redis's own parser (options such as `?dial_timeout=5s` included); a password in it is never printed",
    perRun: true,
  }),
  setting({
    key: 'profile',
    env: 'PROFILE',
    parse: (env, c) => read(env, 'PROFILE', c.format.anything, 'reference'),
    default: '`reference`',
    meaning: 'target profile: built-in name or a `.json` path',
    perRun: true,
  }),
  setting({
    key: 'thresholds',
    env: 'THRESHOLDS',
    parse: (env, c) => read(env, 'THRESHOLDS', c.format.profileRef, 'strict'),
    default: '`strict`',
    meaning:
      'threshold profile: a name in `thresholds/` or a path to your own `.json` (validated the same way)',
    perRun: true,
  }),
  setting({
    key: 'strategy',
    env: 'STRATEGY',
    parse: (env) => oneOf(env, 'STRATEGY', strategies, 'rolling'),
    default: '`rolling`',
    meaning:
      '`rolling` (Deployment rolling update), `rainbow` (N-color: a new color, the Service switched, old colors drained) or `none` (an external actor rolls; see `docs/strategies.md`)',
    perRun: true,
  }),
  setting({
    key: 'rollouts',
    env: 'ROLLOUTS',
    parse: (env) => integer(env, 'ROLLOUTS', 1, 1, 500),
    default: '`1`',
    meaning: 'rollouts in sequence, 1 to 500 (seed 001 runs 50)',
    perRun: true,
  }),
  setting({
    key: 'rolloutTrigger',
    env: 'ROLLOUT_TRIGGER',
    parse: (env) => oneOf(env, 'ROLLOUT_TRIGGER', rolloutTriggers, 'restart'),
    default: '`restart`',
    meaning: '`restart` (pod-template annotation) or `image` (with `ROLLOUT_IMAGE`)',
    perRun: true,
  }),
  setting({
    key: 'rolloutImage',
    env: 'ROLLOUT_IMAGE',
    parse: (env, c) => read(env, 'ROLLOUT_IMAGE', c.format.anything),
    default: 'unset',
    meaning: 'the image each rollout sets (`ROLLOUT_TRIGGER=image`)',
    perRun: true,
  }),
  setting({
    key: 'rolloutTimeoutMs',
    env: 'ROLLOUT_TIMEOUT',
    parse: (env) => duration(env, 'ROLLOUT_TIMEOUT', '5m', 1000),
    default: '`5m`',
    meaning: 'per rollout; a rollout that never starts (30 s) or stalls fails the run',
    perRun: true,
  }),
  setting({
    key: 'baselineMs',
    env: 'BASELINE',
    parse: (env) => duration(env, 'BASELINE', '20s'),
    default: '`20s`',
    meaning: 'load before the first rollout',
    perRun: true,
  }),
  setting({
    key: 'cooldownMs',
    env: 'COOLDOWN',
    parse: (env) => duration(env, 'COOLDOWN', '15s'),
    default: '`15s`',
    meaning: 'load after the last rollout',
    perRun: true,
  }),
  setting({
    key: 'drainWindowMs',
    env: 'DRAIN_WINDOW',
    parse: (env) => duration(env, 'DRAIN_WINDOW', '20s'),
    default: '`20s`',
    meaning: 'rainbow: how long old colors keep draining after the Service switched',
    perRun: true,
  }),
  setting({
    key: 'maxColors',
    env: 'MAX_COLORS',
    parse: (env) => integer(env, 'MAX_COLORS', 2, 2, 10),
    default: '`2`',
    meaning: 'rainbow: colors alive at most, 2 to 10',
    perRun: true,
  }),
  setting({
    key: 'httpUsers',
    env: 'HTTP_USERS',
    parse: (env) => integer(env, 'HTTP_USERS', 300, 0, 100_000),
    default: '`300`',
    meaning:
      "synthetic HTTP users (`HTTP_VUS` of earlier versions is refused, naming this setting); users the machine's available memory cannot hold are refused before any VU is built (`zero-downtime`)",
    perRun: true,
  }),
  setting({
    key: 'wsUsers',
    env: 'WS_USERS',
    parse: (env) => integer(env, 'WS_USERS', 200, 0, 100_000),
    default: '`200`',
    meaning: 'synthetic WebSocket users (`WS_VUS` of earlier versions is refused, naming this setting)',
    perRun: true,
  }),
  setting({
    key: 'usersPerVu',
    env: 'USERS_PER_VU',
    parse: (env) => integer(env, 'USERS_PER_VU', 25, 1, 1000),
    default: '`25`',
    meaning:
      'users one k6 VU runs concurrently on its event loop (each with its own cookie jar); `1` gives one VU per user',
    perRun: true,
  }),
  setting({
    key: 'httpPaceMs',
    env: 'HTTP_PACE',
    parse: (env) => duration(env, 'HTTP_PACE', '1s', 50),
    default: '`1s`',
    meaning: "mean time between an HTTP user's requests (at least 50ms)",
    perRun: true,
  }),
  setting({
    key: 'orderIntervalMs',
    env: 'ORDER_INTERVAL',
    parse: (env) => duration(env, 'ORDER_INTERVAL', '2s', 100),
    default: '`2s`',
    meaning: "time between a WebSocket user's orders (at least 100ms)",
    perRun: true,
  }),
  setting({
    key: 'newConnectionShare',
    env: 'NEW_CONNECTION_SHARE',
    parse: (env) => share(env, 'NEW_CONNECTION_SHARE', 0.2),
    default: '`0.2`',
    meaning: 'HTTP users that open a new connection per request',
    perRun: true,
  }),
  setting({
    key: 'negativeAuthShare',
    env: 'NEGATIVE_AUTH_SHARE',
    parse: (env) => share(env, 'NEGATIVE_AUTH_SHARE', 0.05),
    default: '`0.05`',
    meaning: 'HTTP users that also send empty/malformed cookies (a clean 401 expected)',
    perRun: true,
  }),
  setting({
    key: 'logoutShare',
    env: 'LOGOUT_SHARE',
    parse: (env) => share(env, 'LOGOUT_SHARE', 0.05),
    default: '`0.05`',
    meaning: 'HTTP users that log out (with requests racing the logout) and back in during the rollout',
    perRun: true,
  }),
  setting({
    key: 'logoutRaces',
    env: 'LOGOUT_RACES',
    parse: (env) => integer(env, 'LOGOUT_RACES', 3, 0, 10),
    default: '`3`',
    meaning:
      "identity requests sent concurrently with each logout (seed 000's check-then-act race), 0 to 10; `0` logs out alone",
    perRun: true,
  }),
  setting({
    key: 'proveLossBelow',
    env: 'PROVE_LOSS_BELOW',
    parse: (env) => rate(env, 'PROVE_LOSS_BELOW'),
    default: 'unset',
    meaning:
      'a loss rate the run must prove, e.g. `1e-4`: a guard fails a run that delivered too few feed messages for "none lost" to bound the loss rate below it at 95 % confidence (29,956 for 1e-4); a number in (0, 1)',
    perRun: true,
  }),
  setting({
    key: 'namespace',
    env: 'NAMESPACE',
    parse: (env, c) => read(env, 'NAMESPACE', c.format.label),
    default: 'from the profile',
    meaning: 'the namespace of the Deployment to roll (a DNS-1123 label: at most 63 characters, no dots)',
    perRun: true,
  }),
  setting({
    key: 'deployment',
    env: 'DEPLOYMENT',
    parse: (env, c) => read(env, 'DEPLOYMENT', c.format.name),
    default: 'from the profile',
    meaning: 'the Deployment to roll',
    perRun: true,
  }),
  setting({
    key: 'service',
    env: 'SERVICE',
    parse: (env, c) => read(env, 'SERVICE', c.format.serviceName),
    default: 'from the profile',
    meaning: 'the Service whose selector a rainbow rollout switches (a DNS-1035 label)',
    perRun: true,
  }),
  setting({
    key: 'kubeconfig',
    env: 'KUBECONFIG',
    parse: (env, c) => read(env, 'KUBECONFIG', c.format.anything),
    default: 'in-cluster, then `~/.kube/config`',
    meaning: 'cluster access for the driver',
    perRun: true,
  }),
  setting({
    key: 'userPrefix',
    env: 'USER_PREFIX',
    parse: (env, c) => read(env, 'USER_PREFIX', c.format.anything),
    default: 'from the profile',
    meaning: "the synthetic users' names: `<USER_PREFIX><n>`",
    perRun: true,
  }),
  setting({
    key: 'userPassword',
    env: 'USER_PASSWORD',
    parse: (env, c) => read(env, 'USER_PASSWORD', c.format.anything),
    default: 'from the profile',
    meaning: "the synthetic users' password; never printed, never in a report",
    secret: true,
    perRun: false,
  }),
  setting({
    key: 'runId',
    env: 'RUN_ID',
    parse: (env, c) => read(env, 'RUN_ID', c.format.runId) ?? c.newRunId(),
    default: 'generated',
    meaning:
      'names the report folder and the control keys (each with an expiry from its first write); one run per id; required with `STRATEGY=none`',
    perRun: false,
  }),
  setting({
    key: 'reportDir',
    env: 'REPORT_DIR',
    parse: (env, c) => read(env, 'REPORT_DIR', c.format.anything, 'reports'),
    default: '`reports`',
    meaning: 'where reports go (`<REPORT_DIR>/<RUN_ID>/`)',
    perRun: true,
  }),
  setting({
    key: 'loadDurationMs',
    env: 'LOAD_DURATION',
    parse: (env) => duration(env, 'LOAD_DURATION', '2m'),
    default: '`2m`',
    meaning: '`load` without `REDIS_URL`: how long its users run',
    perRun: false,
  }),
  setting({
    key: 'smokeDurationMs',
    env: 'SMOKE_DURATION',
    parse: (env) => duration(env, 'SMOKE_DURATION', '10s'),
    default: '`10s`',
    meaning: '`smoke`: how long its two users run',
    perRun: false,
  }),
] as const;

type AnySetting = (typeof settings)[number];

/** The parsed settings: one field per registry entry, typed by its parser. */
export type Config = { [S in AnySetting as S['key']]: ReturnType<S['parse']> };

/** Settings that shape a run, repeated by a reproduce command and passed to `k6 cloud` with `-e`. */
export const runVariables: string[] = settings.filter((s) => s.perRun).map((s) => s.env);

/** Settings whose values are never printed. */
export const secretVariables: string[] = settings.filter((s) => 'secret' in s).map((s) => s.env);

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
  const config = Object.fromEntries(settings.map((s) => [s.key, s.parse(env, context)])) as Config;
  if (config.rolloutTrigger === 'image' && config.rolloutImage === null) {
    throw new ConfigError('ROLLOUT_IMAGE', 'is required when ROLLOUT_TRIGGER=image');
  }
  if (config.httpUsers + config.wsUsers === 0)
    throw new ConfigError('HTTP_USERS', 'HTTP_USERS and WS_USERS are both 0: no users to validate');
  return config;
}

/** The README's settings table, as Markdown. */
export function settingsTable(): string {
  const rows = settings.map((s) => `| \`${s.env}\` | ${s.default} | ${s.meaning} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
