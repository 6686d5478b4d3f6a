/**
 * Configuration: defaults, one error line naming the bad variable, exit code 2 at start-up.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { parseConfig } from '../../app/src/config.ts';
import { spawnApp } from '../support/app-process.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('parseConfig', () => {
  it('fills every default from a minimal environment', () => {
    const result = parseConfig({ REDIS_URL });
    assert.ok(result.ok);
    assert.deepEqual(result.config, {
      port: 8080,
      host: '0.0.0.0',
      redisUrl: REDIS_URL,
      sessionTtlSeconds: 3600,
      sessionSliding: true,
      keyPrefix: 'zd:',
      podName: os.hostname(),
      color: 'default',
      version: 'dev',
      users: new Map(),
      syntheticUsers: { prefix: 'zd-user-', password: null },
      feedIntervalMs: 100,
      feedMaxLen: 100_000,
      drainSeconds: 5,
      shutdownTimeoutSeconds: 25,
      badMode: 'none',
      raceWindowMs: 20,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const result = parseConfig({
      REDIS_URL: 'rediss://user:secret@redis.example:6380/1',
      PORT: '9000',
      HOST: '127.0.0.1',
      SESSION_TTL_SECONDS: '60',
      KEY_PREFIX: 'test:',
      POD_NAME: 'pod-a',
      COLOR: 'blue',
      VERSION: '1.2.3',
      USERS: 'alice:pw1,bob:p:w:2',
      SYNTHETIC_USERS_PREFIX: 'load-',
      SYNTHETIC_USERS_PASSWORD: 'synthetic',
      FEED_INTERVAL_MS: '50',
      FEED_MAXLEN: '1000',
      DRAIN_SECONDS: '2',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      BAD_MODE: 'racy-logout',
      RACE_WINDOW_MS: '200',
      LOG_LEVEL: 'warn',
    });
    assert.ok(result.ok);
    assert.equal(result.config.port, 9000);
    assert.deepEqual(
      [...result.config.users],
      [
        ['alice', 'pw1'],
        ['bob', 'p:w:2'],
      ],
    );
    assert.deepEqual(result.config.syntheticUsers, { prefix: 'load-', password: 'synthetic' });
    assert.equal(result.config.badMode, 'racy-logout');
    assert.equal(result.config.raceWindowMs, 200);
    assert.equal(result.config.logLevel, 'warn');
  });

  it('treats an empty value as unset', () => {
    const result = parseConfig({ REDIS_URL, PORT: '', BAD_MODE: '' });
    assert.ok(result.ok);
    assert.equal(result.config.port, 8080);
    assert.equal(result.config.badMode, 'none');
  });

  const bad: [string, Record<string, string>][] = [
    ['REDIS_URL', { REDIS_URL: '' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '0' }],
    ['PORT', { PORT: '65536' }],
    ['HOST', { HOST: 'bad host' }],
    ['SESSION_TTL_SECONDS', { SESSION_TTL_SECONDS: '-1' }],
    ['SESSION_SLIDING', { SESSION_SLIDING: 'yes' }],
    ['KEY_PREFIX', { KEY_PREFIX: 'has space' }],
    ['POD_NAME', { POD_NAME: 'pod\na' }],
    ['COLOR', { COLOR: 'x'.repeat(129) }],
    ['VERSION', { VERSION: 'v 1' }],
    ['USERS', { USERS: 'alice' }],
    ['USERS', { USERS: 'alice:pw,alice:pw2' }],
    ['USERS', { USERS: 'al ice:pw' }],
    ['SYNTHETIC_USERS_PREFIX', { SYNTHETIC_USERS_PREFIX: 'bad prefix' }],
    ['SYNTHETIC_USERS_PASSWORD', { SYNTHETIC_USERS_PASSWORD: 'x'.repeat(257) }],
    ['FEED_INTERVAL_MS', { FEED_INTERVAL_MS: '5' }],
    ['FEED_MAXLEN', { FEED_MAXLEN: '1e6' }],
    ['DRAIN_SECONDS', { DRAIN_SECONDS: '1.5' }],
    ['DRAIN_SECONDS', { DRAIN_SECONDS: '30' }],
    ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: '0' }],
    ['BAD_MODE', { BAD_MODE: 'bogus' }],
    ['RACE_WINDOW_MS', { RACE_WINDOW_MS: 'soon' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
  ];
  for (const [variable, env] of bad) {
    it(`rejects ${variable}=${JSON.stringify(Object.values(env)[0]).slice(0, 40)}`, () => {
      const result = parseConfig({ REDIS_URL, ...env });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.match(result.error, new RegExp(`^invalid configuration: ${variable} `));
      assert.doesNotMatch(result.error, /\n/);
    });
  }

  it('never echoes a secret', () => {
    for (const env of [
      { USERS: 'alice:hunter2,alice:x' },
      { SYNTHETIC_USERS_PASSWORD: `hunter2${'x'.repeat(300)}` },
    ]) {
      const result = parseConfig({ REDIS_URL, ...env });
      assert.ok(!result.ok && !result.error.includes('hunter2'), JSON.stringify(result));
    }
    const url = parseConfig({ REDIS_URL: 'http://user:hunter2@redis:6379' });
    assert.ok(!url.ok && !url.error.includes('hunter2'));
  });
});

describe('service start-up with a bad configuration', () => {
  const cases: [string, Record<string, string>][] = [
    ['REDIS_URL', {}],
    ['PORT', { REDIS_URL, PORT: 'eighty' }],
    ['BAD_MODE', { REDIS_URL, BAD_MODE: 'memory' }],
    ['DRAIN_SECONDS', { REDIS_URL, DRAIN_SECONDS: '30', SHUTDOWN_TIMEOUT_SECONDS: '25' }],
  ];
  for (const [variable, env] of cases) {
    it(`stops with exit code 2 and one line naming ${variable}`, async () => {
      const app = await spawnApp({ env });
      const exit = await app.waitForExit(15_000);
      assert.equal(exit.code, 2, app.output());
      const lines = app.stderr().trimEnd().split('\n');
      assert.equal(lines.length, 1, app.stderr());
      assert.match(lines[0]!, new RegExp(`^invalid configuration: ${variable} `));
      assert.equal(app.stdout(), '');
    });
  }
});
