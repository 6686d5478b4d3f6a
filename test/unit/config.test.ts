/**
 * The validator's config: defaults, every setting read, and one-line ConfigErrors that name the setting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../validator/settings/parse.ts';
import { type ParseOptions, parseConfig } from '../../validator/settings/registry.ts';

const BASE_URL = 'http://127.0.0.1:8080';
const REDIS_URL = 'redis://127.0.0.1:6379';
const minimal = { BASE_URL, REDIS_URL };
const withRedis: ParseOptions = { requireRedis: true, newRunId: () => 'generated-run' };
const withoutRedis: ParseOptions = { requireRedis: false, newRunId: () => 'generated-run' };

type Env = Record<string, string | undefined>;

/** Asserts that parsing fails with a ConfigError for `setting` whose message is one line naming it. */
function assertConfigError(env: Env, setting: string, pattern: RegExp, options = withRedis): void {
  assert.throws(
    () => parseConfig(env, options),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.name, 'ConfigError');
      assert.equal(error.setting, setting);
      assert.ok(
        error.message.startsWith(`${setting}: `),
        `message should start with '${setting}: ': ${error.message}`,
      );
      assert.doesNotMatch(error.message, /[\r\n]/, 'message must be one line');
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseConfig: defaults and values', () => {
  it('fills every default from BASE_URL and REDIS_URL', () => {
    assert.deepEqual(parseConfig(minimal, withRedis), {
      runId: 'generated-run',
      profile: 'reference',
      baseUrl: BASE_URL,
      wsUrl: null,
      redisUrl: REDIS_URL,
      thresholds: 'strict',
      strategy: 'rolling',
      rollouts: 1,
      rolloutTrigger: 'restart',
      rolloutImage: null,
      rolloutTimeoutMs: 300_000,
      baselineMs: 20_000,
      cooldownMs: 15_000,
      drainWindowMs: 20_000,
      maxColors: 2,
      httpUsers: 300,
      wsUsers: 200,
      usersPerVu: 25,
      httpPaceMs: 1000,
      orderIntervalMs: 2000,
      newConnectionShare: 0.2,
      negativeAuthShare: 0.05,
      logoutShare: 0.05,
      logoutRaces: 3,
      namespace: null,
      deployment: null,
      service: null,
      kubeconfig: null,
      userPrefix: null,
      userPassword: null,
      reportDir: 'reports',
      proveLossBelow: null,
      loadDurationMs: 120_000,
      smokeDurationMs: 10_000,
      readinessBoundMs: 15_000,
      readinessGraceMs: 2000,
    });
  });

  it('reads every setting', () => {
    const config = parseConfig(
      {
        RUN_ID: 'run_42-a',
        PROFILE: 'profiles/mine.json',
        BASE_URL: 'https://svc.example:8443/base',
        WS_URL: 'wss://svc.example/socket?x=1',
        REDIS_URL: 'rediss://user:pw@redis.example:6380/1',
        THRESHOLDS: 'tolerant',
        STRATEGY: 'rainbow',
        ROLLOUTS: '3',
        ROLLOUT_TRIGGER: 'image',
        ROLLOUT_IMAGE: 'registry.local/app:v2',
        ROLLOUT_TIMEOUT: '90s',
        BASELINE: '1m',
        COOLDOWN: '5s',
        DRAIN_WINDOW: '45s',
        MAX_COLORS: '4',
        HTTP_USERS: '10',
        WS_USERS: '0',
        USERS_PER_VU: '3',
        HTTP_PACE: '250ms',
        ORDER_INTERVAL: '1m30s',
        NEW_CONNECTION_SHARE: '0',
        NEGATIVE_AUTH_SHARE: '1',
        LOGOUT_SHARE: '0.5',
        LOGOUT_RACES: '0',
        PROVE_LOSS_BELOW: '1e-4',
        NAMESPACE: 'team-a',
        DEPLOYMENT: 'api.v2',
        SERVICE: 'api',
        KUBECONFIG: '/tmp/kubeconfig',
        USER_PREFIX: 'load-',
        USER_PASSWORD: 's3cret',
        REPORT_DIR: 'out/reports',
        LOAD_DURATION: '5m',
        SMOKE_DURATION: '3s',
        READINESS_BOUND: '20s',
        READINESS_GRACE: '500ms',
      },
      withRedis,
    );
    assert.deepEqual(config, {
      runId: 'run_42-a',
      profile: 'profiles/mine.json',
      baseUrl: 'https://svc.example:8443/base',
      wsUrl: 'wss://svc.example/socket?x=1',
      redisUrl: 'rediss://user:pw@redis.example:6380/1',
      thresholds: 'tolerant',
      strategy: 'rainbow',
      rollouts: 3,
      rolloutTrigger: 'image',
      rolloutImage: 'registry.local/app:v2',
      rolloutTimeoutMs: 90_000,
      baselineMs: 60_000,
      cooldownMs: 5000,
      drainWindowMs: 45_000,
      maxColors: 4,
      httpUsers: 10,
      wsUsers: 0,
      usersPerVu: 3,
      httpPaceMs: 250,
      orderIntervalMs: 90_000,
      newConnectionShare: 0,
      negativeAuthShare: 1,
      logoutShare: 0.5,
      logoutRaces: 0,
      namespace: 'team-a',
      deployment: 'api.v2',
      service: 'api',
      kubeconfig: '/tmp/kubeconfig',
      userPrefix: 'load-',
      userPassword: 's3cret',
      reportDir: 'out/reports',
      proveLossBelow: 1e-4,
      loadDurationMs: 300_000,
      smokeDurationMs: 3000,
      readinessBoundMs: 20_000,
      readinessGraceMs: 500,
    });
  });

  it('strips trailing slashes from BASE_URL', () => {
    assert.equal(
      parseConfig({ ...minimal, BASE_URL: 'http://svc:8080///' }, withRedis).baseUrl,
      'http://svc:8080',
    );
  });

  it('treats empty values as unset', () => {
    const config = parseConfig(
      { ...minimal, HTTP_USERS: '', STRATEGY: '', BASELINE: '', RUN_ID: '' },
      withRedis,
    );
    assert.equal(config.httpUsers, 300);
    assert.equal(config.strategy, 'rolling');
    assert.equal(config.baselineMs, 20_000);
    assert.equal(config.runId, 'generated-run');
  });

  it('runs without REDIS_URL when Redis is not required', () => {
    assert.equal(parseConfig({ BASE_URL }, withoutRedis).redisUrl, null);
  });

  it('still validates REDIS_URL when it is optional but set', () => {
    assertConfigError(
      { BASE_URL, REDIS_URL: 'http://redis' },
      'REDIS_URL',
      /redis:\/\/ or rediss:\/\//,
      withoutRedis,
    );
  });

  it('accepts STRATEGY=none with a RUN_ID', () => {
    const config = parseConfig({ ...minimal, STRATEGY: 'none', RUN_ID: 'ext-1' }, withRedis);
    assert.equal(config.strategy, 'none');
    assert.equal(config.runId, 'ext-1');
  });

  it('accepts one kind of user being 0', () => {
    assert.equal(parseConfig({ ...minimal, HTTP_USERS: '0' }, withRedis).httpUsers, 0);
    assert.equal(parseConfig({ ...minimal, WS_USERS: '0' }, withRedis).wsUsers, 0);
  });
});

describe('parseConfig: errors name the setting', () => {
  it('BASE_URL is required', () => {
    assertConfigError({ REDIS_URL }, 'BASE_URL', /^BASE_URL: is required: /);
  });

  for (const url of [
    'ftp://svc',
    'svc:8080',
    'http://',
    'http:///path',
    'http://svc example',
    'http://svc:8080 ',
  ]) {
    it(`BASE_URL rejects ${JSON.stringify(url)}`, () => {
      assertConfigError({ ...minimal, BASE_URL: url }, 'BASE_URL', /must be an http:\/\/ or https:\/\/ URL/);
    });
  }

  it('shows the bad value on the same line, even when it holds a line break', () => {
    assertConfigError(
      { ...minimal, BASE_URL: 'http://svc\nX-Evil: 1' },
      'BASE_URL',
      /\(got 'http:\/\/svc\\nX-Evil: 1'\)$/,
    );
  });

  it('WS_URL must be ws:// or wss://', () => {
    assertConfigError({ ...minimal, WS_URL: 'http://svc/ws' }, 'WS_URL', /must be a ws:\/\/ or wss:\/\/ URL/);
  });

  it('REDIS_URL is required when the entry needs Redis', () => {
    assertConfigError({ BASE_URL }, 'REDIS_URL', /^REDIS_URL: is required: .*redis:\/\//);
  });

  it('REDIS_URL must be redis:// or rediss://', () => {
    assertConfigError({ BASE_URL, REDIS_URL: '127.0.0.1:6379' }, 'REDIS_URL', /got '127\.0\.0\.1:6379'/);
  });

  it('STRATEGY must be known', () => {
    assertConfigError(
      { ...minimal, STRATEGY: 'blue-green' },
      'STRATEGY',
      /unknown value 'blue-green' \(expected one of: rolling, rainbow, none\)/,
    );
  });

  it('ROLLOUT_TRIGGER must be known', () => {
    assertConfigError(
      { ...minimal, ROLLOUT_TRIGGER: 'delete' },
      'ROLLOUT_TRIGGER',
      /unknown value 'delete' \(expected one of: restart, image\)/,
    );
  });

  it('ROLLOUT_TRIGGER=image needs ROLLOUT_IMAGE', () => {
    assertConfigError(
      { ...minimal, ROLLOUT_TRIGGER: 'image' },
      'ROLLOUT_IMAGE',
      /required when ROLLOUT_TRIGGER=image/,
    );
    assertConfigError(
      { ...minimal, ROLLOUT_TRIGGER: 'image', ROLLOUT_IMAGE: '' },
      'ROLLOUT_IMAGE',
      /required when ROLLOUT_TRIGGER=image/,
    );
  });

  it('STRATEGY=none needs RUN_ID', () => {
    assertConfigError({ ...minimal, STRATEGY: 'none' }, 'RUN_ID', /required with STRATEGY=none/);
  });

  it('RUN_ID must be a safe id', () => {
    assertConfigError({ ...minimal, RUN_ID: 'a b' }, 'RUN_ID', /1-64 chars/);
    assertConfigError({ ...minimal, RUN_ID: 'x'.repeat(65) }, 'RUN_ID', /1-64 chars/);
  });

  for (const [setting, value] of [
    ['ROLLOUT_TIMEOUT', '5 minutes'],
    ['BASELINE', '-1s'],
    ['COOLDOWN', '10x'],
    ['DRAIN_WINDOW', ' '],
    ['HTTP_PACE', '1.5'],
    ['ORDER_INTERVAL', 'soon'],
  ] as const) {
    it(`${setting} must be a duration (got ${JSON.stringify(value)})`, () => {
      assertConfigError({ ...minimal, [setting]: value }, setting, /must be a duration like 30s or 2m/);
    });
  }

  for (const [setting, value, range] of [
    ['ROLLOUTS', '0', '1 to 500'],
    ['ROLLOUTS', '501', '1 to 500'],
    ['ROLLOUTS', '1.5', '1 to 500'],
    ['MAX_COLORS', '1', '2 to 10'],
    ['MAX_COLORS', '11', '2 to 10'],
    ['HTTP_USERS', '-1', '0 to 100000'],
    ['HTTP_USERS', '100001', '0 to 100000'],
    ['HTTP_USERS', 'many', '0 to 100000'],
    ['HTTP_USERS', ' ', '0 to 100000'],
    ['WS_USERS', '2.5', '0 to 100000'],
    ['USERS_PER_VU', '0', '1 to 1000'],
    ['USERS_PER_VU', '1001', '1 to 1000'],
  ] as const) {
    it(`${setting}=${JSON.stringify(value)} is out of range`, () => {
      assertConfigError(
        { ...minimal, [setting]: value },
        setting,
        new RegExp(`must be an integer from ${range} \\(got '${value}'\\)`),
      );
    });
  }

  for (const [setting, value] of [
    ['NEW_CONNECTION_SHARE', '1.01'],
    ['NEGATIVE_AUTH_SHARE', '-0.1'],
    ['LOGOUT_SHARE', '50%'],
    ['LOGOUT_SHARE', 'NaN'],
    ['LOGOUT_SHARE', 'Infinity'],
    ['NEW_CONNECTION_SHARE', '  '],
  ] as const) {
    it(`${setting}=${JSON.stringify(value)} is not a share`, () => {
      assertConfigError({ ...minimal, [setting]: value }, setting, /must be a share from 0 to 1/);
    });
  }

  it('HTTP_USERS=0 and WS_USERS=0 together leave nothing to validate', () => {
    assertConfigError(
      { ...minimal, HTTP_USERS: '0', WS_USERS: '0' },
      'HTTP_USERS',
      /both 0: no users to validate/,
    );
  });

  for (const [old, now] of [
    ['HTTP_VUS', 'HTTP_USERS'],
    ['WS_VUS', 'WS_USERS'],
  ] as const) {
    it(`${old} of earlier versions is refused, naming ${now}`, () => {
      assertConfigError(
        { ...minimal, [old]: '300' },
        old,
        new RegExp(`renamed to ${now}: it counts synthetic users`),
      );
    });
  }

  it('names must be DNS-1123', () => {
    assertConfigError({ ...minimal, NAMESPACE: 'Team_A' }, 'NAMESPACE', /DNS-1123/);
    assertConfigError({ ...minimal, DEPLOYMENT: '-api' }, 'DEPLOYMENT', /DNS-1123/);
    assertConfigError({ ...minimal, SERVICE: 'api-' }, 'SERVICE', /DNS-1035/);
  });

  it('a namespace is a DNS-1123 label: at most 63 characters, no dots', () => {
    assertConfigError({ ...minimal, NAMESPACE: 'a'.repeat(64) }, 'NAMESPACE', /at most 63 characters/);
    assertConfigError({ ...minimal, NAMESPACE: 'team.a' }, 'NAMESPACE', /DNS-1123 label/);
    assert.equal(parseConfig({ ...minimal, NAMESPACE: 'a'.repeat(63) }, withRedis).namespace, 'a'.repeat(63));
    assertConfigError({ ...minimal, DEPLOYMENT: 'a'.repeat(254) }, 'DEPLOYMENT', /at most 253/);
  });

  for (const value of ['0x10', '1e2', '1.0', '+1', '0b1', ' ']) {
    it(`integers are decimal digits (ROLLOUTS=${JSON.stringify(value)} is refused)`, () => {
      assertConfigError({ ...minimal, ROLLOUTS: value }, 'ROLLOUTS', /must be an integer from 1 to 500/);
    });
  }

  it('shares are plain decimals', () => {
    assertConfigError({ ...minimal, LOGOUT_SHARE: '0x1' }, 'LOGOUT_SHARE', /must be a share/);
    assertConfigError({ ...minimal, LOGOUT_SHARE: '1e-1' }, 'LOGOUT_SHARE', /must be a share/);
    assert.equal(parseConfig({ ...minimal, LOGOUT_SHARE: '.5' }, withRedis).logoutShare, 0.5);
    assert.equal(parseConfig({ ...minimal, LOGOUT_RACES: '0' }, withRedis).logoutRaces, 0);
    assert.throws(
      () => parseConfig({ ...minimal, LOGOUT_RACES: '11' }, withRedis),
      /LOGOUT_RACES: must be an integer from 0 to 10/,
    );
  });

  for (const [setting, value] of [
    ['BASELINE', '100000000h'],
    ['ROLLOUT_TIMEOUT', '99999999999999999999h'],
    ['COOLDOWN', '25h'],
    ['DRAIN_WINDOW', '86401'],
  ] as const) {
    it(`${setting}=${value} is refused by name: durations are at most 24h`, () => {
      assertConfigError({ ...minimal, [setting]: value }, setting, /must be at most 24h/);
    });
  }

  it('a ConfigError never carries the credentials of a URL', () => {
    assertConfigError(
      { BASE_URL, REDIS_URL: 'http://user:s3cret@redis:6379' },
      'REDIS_URL',
      /got 'http:\/\/\*\*\*@redis:6379'/,
    );
  });

  it('THRESHOLDS must be a profile name, not a path', () => {
    assertConfigError({ ...minimal, THRESHOLDS: '../strict' }, 'THRESHOLDS', /must be a profile name/);
  });
});

describe('parseConfig: bounded loops', () => {
  it('refuses a pace or order interval too short to bound, naming the setting', () => {
    assertConfigError({ ...minimal, HTTP_PACE: '0s' }, 'HTTP_PACE', /at least 50 ms/);
    assertConfigError({ ...minimal, ORDER_INTERVAL: '10ms' }, 'ORDER_INTERVAL', /at least 100 ms/);
    assertConfigError({ ...minimal, ROLLOUT_TIMEOUT: '0s' }, 'ROLLOUT_TIMEOUT', /at least 1000 ms/);
  });
});
