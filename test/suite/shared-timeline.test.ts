/**
 * The VUs of one k6 process share their readings of the run's timeline (k6/x/zerodrop's keepReading,
 * readingAt, reading; validator/run/control.ts): with the real bin/k6 and a real Redis, eight VUs polling
 * it as zero-downtime.js's do ask Redis for it less than half as often as the same VUs each on their own
 * (SHARED=0), and every VU still sees a change to it within the freshness run control promises.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { bundleFixture, runK6Script } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

let redis: RedisServer;
let dir: string;
let script: string;

before(async () => {
  redis = await startRedis();
  dir = await mkdtemp(path.join(tmpdir(), 'zd-shared-timeline-'));
  script = path.join(dir, 'shared-timeline.js');
  await bundleFixture('test/suite/fixtures/shared-timeline.k6.ts', script);
});

after(async () => {
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One run of the fixture: the HGETALLs Redis served it, and how late each VU saw the mark. */
async function poll(
  runId: string,
  shared: boolean,
): Promise<{ reads: number; seenAfterMs: (number | null)[] }> {
  const client = new Redis(redis.url);
  try {
    await client.config('RESETSTAT');
    const run = await runK6Script(
      script,
      { REDIS_URL: redis.url, RUN_ID: runId, SHARED: shared ? '1' : '0' },
      60_000,
    );
    assert.equal(run.exitCode, 0, run.output);
    const seenAfterMs = [...run.output.matchAll(/shared-timeline-result (\{.*?\})"/g)].map(
      (m) =>
        (JSON.parse((m[1] as string).replaceAll('\\"', '"')) as { seenAfterMs: number | null }).seenAfterMs,
    );
    const stats = await client.info('commandstats');
    const reads = Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    return { reads, seenAfterMs };
  } finally {
    client.disconnect();
  }
}

test('VUs sharing the timeline read Redis less than half as often, and see its changes as soon', async (t) => {
  const own = await poll('shared-timeline-own', false);
  const shared = await poll('shared-timeline-shared', true);
  for (const run of [own, shared]) {
    assert.equal(run.seenAfterMs.length, 8, JSON.stringify(run));
    // A reading is at most 500 ms old when a chore takes it, plus a poll's 100 ms and a busy machine.
    for (const late of run.seenAfterMs) assert.ok(late !== null && late <= 1500, JSON.stringify(run));
  }
  t.diagnostic(`timeline reads: ${own.reads} by VUs on their own, ${shared.reads} shared`);
  // Each VU on its own: a read per VU per chore (8 VUs, 2 a second, 4 s).
  assert.ok(own.reads >= 48, `VUs on their own read the timeline ${own.reads} times`);
  assert.ok(shared.reads * 2 < own.reads, `shared ${shared.reads} reads against ${own.reads} on their own`);
});
