/** k6 scenario options from the config. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxDurationMs, scenarioOptions } from '../../validator/settings/options.ts';
import { type Config, parseConfig } from '../../validator/settings/registry.ts';

function config(env: Record<string, string> = {}): Config {
  return parseConfig(
    { BASE_URL: 'http://127.0.0.1:8080', REDIS_URL: 'redis://127.0.0.1:6379', ...env },
    { requireRedis: true, newRunId: () => 'run' },
  );
}

const fns = { http: 'httpUsers', ws: 'wsUsers', rollout: 'rolloutDriver' };

describe('maxDurationMs', () => {
  it('adds baseline, each rollout’s timeout plus 30 s, cooldown and 60 s of slack', () => {
    assert.equal(
      maxDurationMs({ baselineMs: 20_000, rollouts: 1, rolloutTimeoutMs: 300_000, cooldownMs: 15_000 }),
      425_000,
    );
    assert.equal(
      maxDurationMs({ baselineMs: 0, rollouts: 3, rolloutTimeoutMs: 60_000, cooldownMs: 0 }),
      330_000,
    );
  });

  it('follows the config', () => {
    assert.equal(
      maxDurationMs(config({ BASELINE: '10s', ROLLOUTS: '2', ROLLOUT_TIMEOUT: '1m', COOLDOWN: '5s' })),
      255_000,
    );
  });
});

describe('scenarioOptions', () => {
  it('runs one long iteration per VU for each flow, with an explicit exec', () => {
    const options = scenarioOptions(config({ HTTP_USERS: '30', WS_USERS: '20', USERS_PER_VU: '1' }), fns);
    const common = { executor: 'per-vu-iterations', iterations: 1, maxDuration: '425s', gracefulStop: '10s' };
    assert.deepEqual(options.scenarios, {
      http_users: { ...common, vus: 30, exec: 'httpUsers' },
      ws_users: { ...common, vus: 20, exec: 'wsUsers' },
      rollout: { ...common, vus: 1, exec: 'rolloutDriver' },
    });
  });

  it('packs USERS_PER_VU users to a VU (default 25), rounding up', () => {
    const vus = (env: Record<string, string>) => {
      const { scenarios } = scenarioOptions(config(env), fns);
      return [scenarios.http_users?.vus, scenarios.ws_users?.vus, scenarios.rollout?.vus];
    };
    assert.deepEqual(vus({}), [12, 8, 1]);
    assert.deepEqual(vus({ HTTP_USERS: '25', WS_USERS: '3', USERS_PER_VU: '4' }), [7, 1, 1]);
  });

  it('keeps an idle keep-alive connection per user of a VU (k6 keeps 6 per host by default)', () => {
    const idle = (env: Record<string, string>) => {
      const { batch, batchPerHost } = scenarioOptions(config(env), fns);
      return [batch, batchPerHost];
    };
    assert.deepEqual(idle({}), [28, 28]);
    assert.deepEqual(idle({ USERS_PER_VU: '100' }), [103, 103]);
    assert.deepEqual(idle({ USERS_PER_VU: '1' }), [20, 6]);
  });

  it('sets the setup and teardown timeouts and the trend stats the report reads', () => {
    const options = scenarioOptions(config(), fns);
    assert.equal(options.setupTimeout, '120s');
    assert.equal(options.teardownTimeout, '300s');
    assert.ok(options.summaryTrendStats.includes('p(99)'));
    assert.ok(options.summaryTrendStats.includes('max'));
    assert.ok(options.summaryTrendStats.includes('count'));
  });

  it('omits the scenario of a flow with 0 VUs', () => {
    assert.deepEqual(Object.keys(scenarioOptions(config({ HTTP_USERS: '0' }), fns).scenarios), [
      'ws_users',
      'rollout',
    ]);
    assert.deepEqual(Object.keys(scenarioOptions(config({ WS_USERS: '0' }), fns).scenarios), [
      'http_users',
      'rollout',
    ]);
  });

  it('omits the scenarios the entry script has no function for', () => {
    assert.deepEqual(Object.keys(scenarioOptions(config(), { http: 'h' }).scenarios), ['http_users']);
    assert.deepEqual(Object.keys(scenarioOptions(config(), { ws: 'w', rollout: 'r' }).scenarios), [
      'ws_users',
      'rollout',
    ]);
    assert.deepEqual(scenarioOptions(config(), {}).scenarios, {});
  });

  it('takes an explicit duration bound, rounded up to whole seconds', () => {
    const options = scenarioOptions(config(), fns, 90_500);
    for (const scenario of Object.values(options.scenarios)) assert.equal(scenario.maxDuration, '91s');
  });
});
