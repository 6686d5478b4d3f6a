/**
 * A run id is claimed once per run, whole or distributed, with the real k6 and a real Redis: the runners of
 * one k6-operator run (each runs setup() with its own execution segment) share it, and a second run with
 * the same id is refused (108) whichever kind either run is.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bundleFixture, runK6Script } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let redis: RedisServer;
let dir: string;
let script: string;

before(async () => {
  redis = await startRedis();
  dir = await mkdtemp(path.join(tmpdir(), 'zd-claim-'));
  script = path.join(dir, 'claim-run-id.js');
  await bundleFixture('test/suite/fixtures/claim-run-id.k6.ts', script);
});

after(async () => {
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function claim(runId: string, segment?: string): Promise<number | null> {
  const env = { REDIS_URL: redis.url, RUN_ID: runId, ...(segment ? { SEGMENT: segment } : {}) };
  const run = await runK6Script(script, env, 60_000);
  if (run.exitCode === 108) assert.match(run.output, new RegExp(`RUN_ID: '${runId}' was used already`));
  return run.exitCode;
}

test('both runners of a distributed run claim its id; a second run of either kind is refused', async () => {
  assert.equal(await claim('claim-dist', '0:1/2'), 0);
  assert.equal(await claim('claim-dist', '1/2:1'), 0);
  assert.equal(await claim('claim-dist', '0:1/2'), 108);
  assert.equal(await claim('claim-dist'), 108);
});

test('a whole run claims its id once; a distributed run with the same id is refused', async () => {
  assert.equal(await claim('claim-whole'), 0);
  assert.equal(await claim('claim-whole'), 108);
  assert.equal(await claim('claim-whole', '0:1/2'), 108);
});
