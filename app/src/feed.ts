/**
 * The feed: a Redis Stream `${prefix}feed` that grows at FEED_INTERVAL_MS whoever is connected.
 *
 * FeedPublisher: every pod ticks, but only the holder of the leader lock `${prefix}feed:leader` publishes.
 * One script per tick takes the lock (SET NX PX) or renews it if this pod holds it, then INCRs the global
 * seq and XADDs the entry: taking the lock, the seq and the entry are one atomic step, so there is never
 * a second publisher nor a hole in seq. When the holder dies its lease runs out and another pod takes
 * over; a draining holder releases the lock so the takeover is immediate.
 *
 * FeedReader: one loop per pod (XREAD BLOCK on its own connection) fans entries out to the pod's local
 * subscribers, however many sockets are open.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.ts';
import type { FeedMessage } from './protocol.ts';

export interface FeedEntry {
  readonly id: string;
  readonly seq: number;
  readonly cid: string;
  readonly ts: number;
}

export interface FeedKeys {
  readonly stream: string;
  readonly seq: string;
  readonly leader: string;
}

export function feedKeys(prefix: string): FeedKeys {
  return { stream: `${prefix}feed`, seq: `${prefix}feed:seq`, leader: `${prefix}feed:leader` };
}

/** The frame sent to clients for an entry. */
export function encodeFeedEntry(entry: FeedEntry): Buffer {
  const message: FeedMessage = { type: 'feed', id: entry.id, seq: entry.seq, cid: entry.cid, ts: entry.ts };
  return Buffer.from(JSON.stringify(message));
}

const publishIfLeader = new LuaScript(
  `-- KEYS: leader lock, seq counter, stream. ARGV: token, lease ms, maxlen, cid, ts.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'seq', seq, 'cid', ARGV[4], 'ts', ARGV[5])
return {id, seq}`,
  3,
);

const releaseIfHolder = new LuaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  1,
);

export interface PublisherOptions {
  readonly podName: string;
  readonly intervalMs: number;
  readonly maxLen: number;
}

export class FeedPublisher {
  readonly #redis: Redis;
  readonly #keys: FeedKeys;
  readonly #options: PublisherOptions;
  readonly #log: FastifyBaseLogger;
  readonly #token: string;
  /** The lock's lease: how long a dead leader blocks the feed before another pod takes over. */
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> = Promise.resolve();
  #stopped = false;
  #leader = false;
  #failing = false;

  constructor(redis: Redis, keys: FeedKeys, options: PublisherOptions, log: FastifyBaseLogger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#options = options;
    this.#log = log;
    this.#token = `${options.podName}:${randomUUID()}`;
    this.#leaseMs = Math.max(1000, 10 * options.intervalMs);
  }

  start(): void {
    this.#schedule(Date.now());
  }

  /** Stops ticking and hands the lock back at once if this pod holds it (and Redis is there to ask). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#redis.status !== 'ready') return;
    await this.#tick;
    if (!this.#leader) return;
    this.#leader = false;
    try {
      await releaseIfHolder.run(this.#redis, [this.#keys.leader], [this.#token]);
      this.#log.info('released the feed leader lock');
    } catch (err) {
      this.#log.warn(
        { err, leaseMs: this.#leaseMs },
        'could not release the feed leader lock; it will expire',
      );
    }
  }

  /** Fixed-rate schedule: tick at `due`, then every interval after it, skipping ticks missed under load. */
  #schedule(due: number): void {
    this.#timer = setTimeout(
      () => {
        this.#tick = this.#publish();
        // #publish handles its own errors, so the tick never rejects.
        void this.#tick.then(() => {
          if (this.#stopped) return;
          const next = due + this.#options.intervalMs;
          this.#schedule(next < Date.now() - this.#options.intervalMs ? Date.now() : next);
        });
      },
      Math.max(0, due - Date.now()),
    );
  }

  async #publish(): Promise<void> {
    const cid = `feed-${randomBytes(9).toString('base64url')}`;
    try {
      const published = await publishIfLeader.run(
        this.#redis,
        [this.#keys.leader, this.#keys.seq, this.#keys.stream],
        [this.#token, this.#leaseMs, this.#options.maxLen, cid, Date.now()],
      );
      this.#setLeader(published !== null);
      if (this.#failing) this.#log.info('feed publishing recovered');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#log.warn({ err }, 'feed publish failed; retrying every tick');
      this.#failing = true;
    }
  }

  #setLeader(leader: boolean): void {
    if (leader !== this.#leader)
      this.#log.info(leader ? 'became the feed leader' : 'lost the feed leader lock');
    this.#leader = leader;
  }
}

export type FeedListener = (entry: FeedEntry, frame: Buffer) => void;

const READ_BLOCK_MS = 1000;
const READ_COUNT = 1000;
const REPLAY_PAGE = 1000;
const RETRY_DELAY_MS = 500;

export class FeedReader {
  readonly #commands: Redis;
  readonly #blocking: Redis;
  readonly #stream: string;
  readonly #log: FastifyBaseLogger;
  readonly #listeners = new Set<FeedListener>();
  /** BAD_MODE=rare-loss: every `dropEvery`-th live delivery is skipped (null: none is). */
  readonly #dropEvery: number | null;
  #deliveries = 0;
  #stopped = false;

  /** Opens the reader's own connection for XREAD BLOCK; `commands` serves replays. */
  constructor(
    commands: Redis,
    podName: string,
    stream: string,
    log: FastifyBaseLogger,
    dropEvery: number | null = null,
  ) {
    this.#commands = commands;
    this.#blocking = commands.duplicate({
      connectionName: `zerodrop:${podName}:feed-reader`,
      maxRetriesPerRequest: null,
      commandTimeout: READ_BLOCK_MS * 5,
    });
    this.#blocking.on('error', (err) => log.debug({ err }, 'feed reader connection error'));
    this.#stream = stream;
    this.#log = log;
    this.#dropEvery = dropEvery;
  }

  /**
   * Finds where live delivery starts (the newest entry now), then reads on in the background. Awaited
   * before the server listens: a socket that subscribes earlier would have its replay end before the
   * reader's start, and the entries in between would reach it neither way.
   */
  async start(): Promise<void> {
    const first = await this.#newestId();
    void this.#run(first);
  }

  /**
   * Stops the loop and closes the reader's connection. Nothing is awaited: a read blocked on a Redis that
   * is down would hold up shutdown, and once stopped the loop delivers nothing more.
   */
  stop(): void {
    this.#stopped = true;
    this.#listeners.clear();
    this.#blocking.disconnect();
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every entry still in the stream after `lastId` (exclusive), oldest first. */
  async entriesAfter(lastId: string): Promise<FeedEntry[]> {
    const entries: FeedEntry[] = [];
    let cursor = lastId;
    for (;;) {
      const page = await this.#commands.xrange(this.#stream, `(${cursor}`, '+', 'COUNT', REPLAY_PAGE);
      for (const [id, fields] of page) {
        const entry = this.#toEntry(id, fields);
        if (entry) entries.push(entry);
        cursor = id;
      }
      if (page.length < REPLAY_PAGE) return entries;
    }
  }

  async #run(first: string): Promise<void> {
    let lastId = first;
    let failing = false;
    while (!this.#stopped) {
      try {
        const reply: [string, [string, string[]][]][] | null = await this.#blocking.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          this.#stream,
          lastId,
        );
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const entry = this.#toEntry(id, fields);
            if (entry) this.#emit(entry);
          }
        }
        if (failing) this.#log.info('feed reader recovered');
        failing = false;
      } catch (err) {
        if (this.#stopped) return;
        if (!failing) this.#log.warn({ err }, 'feed read failed; retrying');
        failing = true;
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  /** The newest entry's id ('0-0' for an empty stream), retried until Redis answers or the reader stops. */
  async #newestId(): Promise<string> {
    for (let failing = false; ; failing = true) {
      try {
        const [newest] = await this.#blocking.xrevrange(this.#stream, '+', '-', 'COUNT', 1);
        return newest?.[0] ?? '0-0';
      } catch (err) {
        if (this.#stopped) throw err;
        if (!failing) this.#log.warn({ err }, 'feed reader cannot read the stream yet; retrying');
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  #emit(entry: FeedEntry): void {
    const frame = encodeFeedEntry(entry);
    for (const listener of this.#listeners) {
      if (this.#dropEvery !== null && ++this.#deliveries % this.#dropEvery === 0) continue;
      try {
        listener(entry, frame);
      } catch (err) {
        this.#log.error({ err }, 'feed listener failed');
      }
    }
  }

  #toEntry(id: string, fields: string[]): FeedEntry | null {
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
    const seq = Number(values.get('seq'));
    const ts = Number(values.get('ts'));
    const cid = values.get('cid');
    if (Number.isSafeInteger(seq) && seq >= 1 && Number.isFinite(ts) && cid) return { id, seq, cid, ts };
    this.#log.warn({ id }, 'skipping a malformed feed entry');
    return null;
  }
}
