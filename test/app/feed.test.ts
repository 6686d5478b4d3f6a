/**
 * The feed with several pods on one Redis: exactly one publisher at a time, takeover when the leader
 * dies or drains, a global seq with no hole and no duplicate, MAXLEN trimming, and a pod's reader
 * delivering every entry added once it has started.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { FeedReader } from '../../app/src/feed.ts';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { eventually } from './helpers.ts';

const INTERVAL_MS = 50;
/** The lock's lease for this interval: max(1000, 10 × interval). */
const LEASE_MS = 1000;

let redis: RedisServer;
let db: Redis;
const pods = new Map<string, AppProcess>();

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
});

after(async () => {
  db?.disconnect();
  await Promise.all([...pods.values()].map((pod) => pod.stop()));
  await redis?.stop();
});

async function startPod(name: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const pod = await startApp({
    env: {
      REDIS_URL: redis.url,
      KEY_PREFIX: 'lead:',
      POD_NAME: name,
      FEED_INTERVAL_MS: String(INTERVAL_MS),
      DRAIN_SECONDS: '0',
      ...env,
    },
  });
  pods.set(name, pod);
  return pod;
}

interface Entry {
  readonly id: string;
  readonly seq: number;
  readonly ts: number;
}

const toEntry = ([id, fields]: [string, string[]]): Entry => ({
  id,
  seq: Number(fields[1]),
  ts: Number(fields[5]),
});

async function stream(prefix = 'lead:'): Promise<Entry[]> {
  return (await db.xrange(`${prefix}feed`, '-', '+')).map(toEntry);
}

function assertContiguous(entries: readonly Entry[]): void {
  for (const [index, entry] of entries.entries()) assert.equal(entry.seq, index + 1, `entry ${entry.id}`);
}

async function leader(): Promise<string | null> {
  return (await db.get('lead:feed:leader'))?.split(':')[0] ?? null;
}

/** The longest pause between consecutive entries after `since`. */
function longestGap(entries: readonly Entry[], since: number): number {
  let gap = 0;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.ts >= since) gap = Math.max(gap, entries[i]!.ts - entries[i - 1]!.ts);
  }
  return gap;
}

describe('feed leadership across pods', () => {
  it('has exactly one publisher: one rate, one seq, no hole', async () => {
    await Promise.all([startPod('pod-a'), startPod('pod-b')]);
    await sleep(300);
    const before = (await stream()).length;
    await sleep(1000);
    const published = (await stream()).length - before;
    // One publisher: about 20 entries; two would publish about 40.
    assert.ok(published >= 8 && published <= 24, `${published} entries in 1 s at one per ${INTERVAL_MS} ms`);
    // The stream and the seq counter read in one transaction: a publish between two reads would differ by one.
    const [[, raw], [, seq]] = (await db
      .multi()
      .xrange('lead:feed', '-', '+')
      .get('lead:feed:seq')
      .exec()) as [[null, [string, string[]][]], [null, string]];
    const entries = raw.map(toEntry);
    assertContiguous(entries);
    assert.equal(Number(seq), entries.length);
    assert.ok(['pod-a', 'pod-b'].includes((await leader()) ?? ''));
  });

  it('moves to another pod within the lease when the leader dies, without a hole', async () => {
    const dead = (await leader())!;
    const survivor = dead === 'pod-a' ? 'pod-b' : 'pod-a';
    const killedAt = Date.now();
    pods.get(dead)!.signal('SIGKILL');
    await pods.get(dead)!.waitForExit(5000);
    pods.delete(dead);
    await eventually('the survivor to lead', async () => (await leader()) === survivor, LEASE_MS + 2000);
    await sleep(300);
    const entries = await stream();
    assertContiguous(entries);
    const gap = longestGap(entries, killedAt);
    assert.ok(gap <= LEASE_MS + 300, `feed paused ${gap} ms`);
    assert.ok(entries.at(-1)!.ts > killedAt + LEASE_MS);
  });

  it('hands over at once when the leader drains', async () => {
    const draining = (await leader())!;
    await startPod('pod-c');
    const stoppedAt = Date.now();
    pods.get(draining)!.signal('SIGTERM');
    assert.equal((await pods.get(draining)!.waitForExit(5000)).code, 0);
    pods.delete(draining);
    await eventually('pod-c to lead', async () => (await leader()) === 'pod-c', 2000);
    await sleep(300);
    const entries = await stream();
    assertContiguous(entries);
    const gap = longestGap(entries, stoppedAt);
    assert.ok(gap < LEASE_MS / 2, `feed paused ${gap} ms; a released lock is taken on the next tick`);
  });
});

describe('feed trimming', () => {
  it('trims the stream to about FEED_MAXLEN entries', async () => {
    await startPod('pod-trim', { KEY_PREFIX: 'trim:', FEED_MAXLEN: '100', FEED_INTERVAL_MS: '10' });
    await eventually(
      '350 entries published',
      async () => Number(await db.get('trim:feed:seq')) >= 350,
      15_000,
    );
    const length = await db.xlen('trim:feed');
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): between 100 and 200 remain.
    assert.ok(length >= 100 && length <= 200, `XLEN ${length}`);
    const entries = await stream('trim:');
    assert.equal(entries.at(-1)!.seq - entries[0]!.seq + 1, entries.length);
  });
});

describe("a pod's feed reader", () => {
  it('delivers every entry added after start() resolves (the server listens only then)', async () => {
    // The reader's first read goes through a connection of its own that is still connecting: had start()
    // returned before that read, the entry below would come before the reader's starting point and a
    // socket that subscribed at once would never get it.
    const commands = new Redis(redis.url);
    await commands.ping();
    const log = { warn() {}, info() {}, debug() {}, error() {} } as unknown as FastifyBaseLogger;
    const reader = new FeedReader(commands, 'reader-test', 'reader:feed', log);
    try {
      await reader.start();
      const seen: number[] = [];
      reader.subscribe((entry) => seen.push(entry.seq));
      await commands.xadd('reader:feed', '*', 'seq', '1', 'cid', 'c-1', 'ts', String(Date.now()));
      await eventually('the entry through the reader', () => seen.length > 0);
      assert.deepEqual(seen, [1]);
    } finally {
      reader.stop();
      commands.disconnect();
    }
  });

  it('BAD_MODE=rare-loss: skips every n-th live delivery of the process, across its sockets', async () => {
    const commands = new Redis(redis.url);
    await commands.ping();
    const log = { warn() {}, info() {}, debug() {}, error() {} } as unknown as FastifyBaseLogger;
    const reader = new FeedReader(commands, 'rare-loss-test', 'rare:feed', log, 3);
    try {
      await reader.start();
      const a: number[] = [];
      const b: number[] = [];
      reader.subscribe((entry) => a.push(entry.seq));
      reader.subscribe((entry) => b.push(entry.seq));
      for (let seq = 1; seq <= 6; seq++)
        await commands.xadd(
          'rare:feed',
          '*',
          'seq',
          String(seq),
          'cid',
          `c-${seq}`,
          'ts',
          String(Date.now()),
        );
      // 12 deliveries (6 entries × 2 sockets), in order a1 b1 a2 b2 …: the 3rd, 6th, 9th and 12th are skipped.
      await eventually('every delivery made', () => a.length + b.length >= 8);
      assert.deepEqual(a, [1, 3, 4, 6]);
      assert.deepEqual(b, [1, 2, 4, 5]);
    } finally {
      reader.stop();
      commands.disconnect();
    }
  });
});
