/**
 * The profile check (dist/check.js, `make check`) through the real bin/k6 against real services and a
 * real Redis: it passes against the reference service and the example services with their own profiles,
 * fails naming the field (and showing the frame it saw) on a wrong profile, stops with 107 on a bad one,
 * never prints the password, and takes seconds. Each run's wall time is printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type Example, examplePassword, examples } from '../support/examples.ts';
import { runK6Script } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const checkScript = fileURLToPath(new URL('../../dist/check.js', import.meta.url));
/** The goal: the first thing a new user runs answers in seconds. */
const maxWallMs = 10_000;

interface CheckRun {
  exitCode: number | null;
  output: string;
  wallMs: number;
}

async function check(label: string, env: Record<string, string>): Promise<CheckRun> {
  const started = Date.now();
  const { exitCode, output } = await runK6Script(checkScript, env, 60_000);
  const wallMs = Date.now() - started;
  console.log(`# check ${label}: exit ${exitCode} in ${(wallMs / 1000).toFixed(1)} s`);
  return { exitCode, output, wallMs };
}

/** Lines of the report by mark. */
const marked = (output: string, mark: '✓' | '✗' | '–') =>
  output.split('\n').filter((line) => line.startsWith(` ${mark} `));

function assertPassed(run: CheckRun): void {
  assert.equal(run.exitCode, 0, `expected the check to pass:\n${run.output}`);
  assert.deepEqual(marked(run.output, '✗'), [], run.output);
  assert.ok(marked(run.output, '✓').length >= 15, run.output);
  assert.match(run.output, /\d+ ✓, 0 ✗, \d+ not checked — [\d.]+ s/);
  assert.ok(run.wallMs < maxWallMs, `took ${run.wallMs} ms (goal < ${maxWallMs} ms)`);
  assert.doesNotMatch(run.output, new RegExp(examplePassword), 'the password is never printed');
}

describe('the profile check (dist/check.js) against real services', { concurrency: 1 }, () => {
  describe('the reference service', () => {
    let redis: RedisServer;
    let app: AppProcess;
    before(async () => {
      redis = await startRedis();
      app = await startApp({
        entry: 'dist/app/server.cjs',
        env: {
          REDIS_URL: redis.url,
          BAD_MODE: 'none',
          SYNTHETIC_USERS_PASSWORD: examplePassword,
          POD_NAME: 'pod-1',
          LOG_LEVEL: 'warn',
        },
      });
    });
    after(async () => {
      await app?.stop();
      await redis?.stop();
    });

    test('passes with PROFILE=reference: every field ✓, in seconds', async () => {
      const run = await check('reference', { BASE_URL: app.url, REDIS_URL: redis.url, PROFILE: 'reference' });
      assertPassed(run);
      assert.deepEqual(marked(run.output, '–'), [], 'the reference profile describes everything');
      assert.match(run.output, /✓ websocket\.resume +closed client-side, resumed with query \?lastId=/);
      assert.match(run.output, /✓ redis\.orders +zd:orders:applied \(count-hash\) holds order \S+ once/);
    });

    test('without REDIS_URL the store lines are not checked, and it still passes', async () => {
      const run = await check('reference without Redis', { BASE_URL: app.url });
      assertPassed(run);
      assert.match(run.output, /– redis\.session +not checked \(REDIS_URL is not set\)/);
    });

    test('an unreachable service fails on the login, quickly', async () => {
      const run = await check('nothing listening', { BASE_URL: 'http://127.0.0.1:9' });
      assert.equal(run.exitCode, 99, run.output);
      assert.match(run.output, /✗ http\.login +POST \/login: no response/);
      assert.ok(run.wallMs < maxWallMs);
    });
  });

  for (const example of examples) {
    describe(`the example ${example.name}`, () => {
      // Each service its own store: the examples keep different types under the same key names.
      let redis: RedisServer;
      let app: AppProcess;
      before(async () => {
        redis = await startRedis();
        app = await startExample(example, redis.url);
      });
      after(async () => {
        await app?.stop();
        await redis?.stop();
      });

      test(`passes with examples/${example.name}/zerodrop.json`, async () => {
        const run = await check(example.name, {
          BASE_URL: app.url,
          REDIS_URL: redis.url,
          PROFILE: example.profile,
        });
        assertPassed(run);
        assert.match(run.output, /✓ websocket\.resume /);
        assert.match(run.output, /✓ websocket\.frames\.ack\.duplicate /);
        assert.match(run.output, /✓ redis\.orders /);
      });

      if (example.name === 'express-ws')
        test('a wrong feed matcher and a wrong ack id path fail naming the field, with the frames seen', async () => {
          const profile = JSON.parse(readFileSync(example.profile, 'utf8'));
          profile.websocket.frames.feed.match = { op: 'feed' };
          profile.websocket.frames.ack.id = 'orderRef';
          const dir = mkdtempSync(join(tmpdir(), 'zd-check-'));
          try {
            const file = join(dir, 'wrong.json');
            writeFileSync(file, JSON.stringify(profile));
            const run = await check('express-ws, wrong profile', {
              BASE_URL: app.url,
              REDIS_URL: redis.url,
              PROFILE: file,
            });
            assert.equal(run.exitCode, 99, run.output);
            assert.match(
              run.output,
              /✗ websocket\.frames\.feed\.match +no frame matched \{"op":"feed"\} in [\d.]+ s\n +seen: \{"op":"tick","offset":\d+/,
            );
            assert.match(
              run.output,
              /✗ websocket\.frames\.ack\.id +ack without an id at orderRef\n +seen: \{"reply":"place","ref":"zd-check-/,
            );
            assert.match(run.output, /· unrecognised frames +\d+ frames matched no matcher/);
            assert.match(run.output, /✓ http\.login /, 'the rest is still checked');
            assert.ok(run.wallMs < maxWallMs, `took ${run.wallMs} ms`);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
    });
  }

  test('a profile with problems stops at once with 107 and one line naming every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-check-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(
        file,
        JSON.stringify({ name: 'bad', users: { prefix: 'zd-' }, http: { login: { path: 'login' } } }),
      );
      const run = await check('bad profile', { BASE_URL: 'http://127.0.0.1:9', PROFILE: file });
      assert.equal(run.exitCode, 107, run.output);
      assert.match(run.output, /PROFILE: \S+bad\.json: \d+ problems: .*http\.login\.path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing BASE_URL stops with 107 naming it', async () => {
    const run = await check('no BASE_URL', {});
    assert.equal(run.exitCode, 107, run.output);
    assert.match(run.output, /BASE_URL/);
  });
});

/** One instance of an example, with its own defaults (feed interval included) and the test Redis. */
function startExample(example: Example, redisUrl: string): Promise<AppProcess> {
  const { FEED_INTERVAL_MS: _default, ...env } = example.env;
  return startApp({ ...example.service, env: { ...env, REDIS_URL: redisUrl, POD_NAME: 'pod-a' } });
}
