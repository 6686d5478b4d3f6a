/**
 * Run control through Redis (xk6-redis): the rollout driver publishes the timeline (rollout start/end,
 * end of load), every VU reads it to tag its traffic with the phase and to know when to stop (the VUs of
 * one k6 process share their readings where its entry hands them k6/x/zerodrop's), and VUs
 * record what the audit and the report need (sessions, logouts, acked orders, failures by pod, color
 * and phase). Keys live under `zdrun:<runId>:`; each gets its expiry when this client first writes it, so
 * an interrupted run leaves no key without one. The expiry is the run's planned duration plus a margin
 * (options.ts `runKeysTtlSeconds`), not a fixed day: the `sessions` and `logged-out` keys hold the
 * synthetic users' session ids, bearer tokens while the sessions live. Commands are retried through a
 * Redis blip.
 */
import { setTimeout } from 'k6/timers';
import redis from 'k6/x/redis';
import { podTrafficSets, readinessKeys } from '../readiness/keys.ts';
import { later, mergeTraffic, noTraffic, type PodTraffic } from '../readiness/traffic.ts';
import { ConfigError } from '../settings/parse.ts';
import { runControlUrl } from '../settings/redis-url.ts';
import { orderEntry } from '../verdict/audit-rules.ts';
import { type CountedSecond, PerSecond } from './per-second.ts';
import { emptyTimeline, parseTimeline, type Timeline } from './phase.ts';
import { retrying } from './redis-retry.ts';

/** A type, not an interface: it is passed as k6 metric tags (a string index signature). */
export type Attribution = {
  phase: string;
  pod: string;
  color: string;
};

/** Who served a request or a session. */
type Served = Pick<Attribution, 'pod' | 'color'>;

/** What the user flows and the rollout driver need from run control. */
export interface Control {
  timeline(now: number, maxAgeMs?: number): Promise<Timeline>;
  /** The timeline when the last one read is at most a second old, else null (then await `timeline`). */
  freshTimeline(now: number): Timeline | null;
  mark(field: string, value: number | string): Promise<void>;
  endAt(t: number): Promise<void>;
  recordSession(user: string, sessionId: string): Promise<void>;
  recordLogout(sessionId: string): Promise<void>;
  /** When a user's session was last active (epoch ms): the lifetime audit's reference. */
  recordActivity(user: string, epochMs: number): Promise<void>;
  /** Acked order ids of one user (the audit looks them up in the user's orders key). */
  recordOrders(user: string, cids: string[]): Promise<void>;
  /** `detail` is the failure's short cause (failure-detail.ts), empty where the invariant says it all. */
  recordFailure(invariant: string, at: Attribution, epochMs: number, detail?: string): Promise<void>;
  /** One flush of a VU's per-second activity (per-second.ts) under a field no other flush uses. */
  recordSeconds(field: string, blob: string): Promise<void>;
  /** What each pod served, for readiness on drain (validator/readiness/). */
  recordPodTraffic(pods: Map<string, PodTraffic>): Promise<void>;
}

/**
 * Control without Redis (the load-only entry on cloud load zones, the smoke entry): the load runs for a
 * fixed duration from the first call, and nothing is recorded for an audit.
 */
export class FixedDurationControl implements Control {
  private readonly timelineValue: Timeline;

  constructor(durationMs: number) {
    this.timelineValue = { rolloutStart: null, rolloutEnd: null, endAt: Date.now() + durationMs };
  }

  async timeline(): Promise<Timeline> {
    return this.timelineValue;
  }
  freshTimeline(): Timeline {
    return this.timelineValue;
  }
  async mark(): Promise<void> {}
  async endAt(): Promise<void> {}
  async recordSession(): Promise<void> {}
  async recordLogout(): Promise<void> {}
  async recordActivity(): Promise<void> {}
  async recordOrders(): Promise<void> {}
  async recordFailure(): Promise<void> {}
  async recordSeconds(): Promise<void> {}
  async recordPodTraffic(): Promise<void> {}
}

/**
 * Refuses a REDIS_URL that go-redis cannot parse (a bad escape, an unknown option, `dial_timeout=banana`)
 * in the init context, with go-redis's own parser: the client's constructor parses and does no I/O.
 */
export function checkRedisUrl(url: string): void {
  try {
    new redis.Client(url);
  } catch (error) {
    const reason = String(error instanceof Error ? error.message : error)
      .replace(/^.*?invalid options; reason: /, '')
      .replace(/^redis: /, '');
    throw new ConfigError('REDIS_URL', `cannot be parsed: ${reason}`);
  }
}

/** A command's reply; null for Redis' nil (xk6-redis rejects with "redis: nil"). */
export async function orNull<T>(reply: Promise<T>): Promise<T | null> {
  try {
    return await reply;
  } catch (error) {
    if (String(error).includes('redis: nil')) return null;
    throw error;
  }
}

/**
 * The Redis commands run control, the readiness follower and the audit send. A function, not a table:
 * held at module level, the list would sit in every VU's heap.
 */
const runCommands = () =>
  [
    'expire',
    'get',
    'hget',
    'hgetall',
    'hincrby',
    'hset',
    'hsetnx',
    'sadd',
    'sendCommand',
    'set',
    'smembers',
  ] as const;

/**
 * Readings of the run's timeline shared by the VUs of one k6 process (k6/x/zerodrop's sharedReadings()):
 * a VU that finds one recent enough takes it instead of reading Redis again. A type only: this module
 * also runs where that extension is not (the load-zone entry).
 */
type SharedReadings = ReturnType<typeof import('k6/x/zerodrop')['sharedReadings']>;

export class RunControl implements Control {
  readonly client: Pick<InstanceType<typeof redis.Client>, ReturnType<typeof runCommands>[number]>;
  private readonly prefix: string;
  private readonly timelineKey: string;
  private cached: Timeline = emptyTimeline;
  private fetchedAt = 0;
  /** The read of the timeline under way: the VU's users that find it stale meanwhile wait for that one. */
  private fetching: Promise<Timeline> | null = null;
  /** Keys this client has set the expiry of. */
  private readonly expiring = new Set<string>();

  /**
   * `ttlSeconds`: the expiry each run key gets when this client first writes it. `shared`: the k6
   * process's readings of the timeline, where the entry's k6 has zerodrop's extension.
   */
  constructor(
    redisUrl: string,
    runId: string,
    private readonly ttlSeconds: number,
    private readonly shared: SharedReadings | null = null,
  ) {
    this.client = retrying(
      new redis.Client(runControlUrl(redisUrl)),
      runCommands(),
      (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    );
    this.prefix = `zdrun:${runId}:`;
    this.timelineKey = this.key('timeline');
  }

  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Sets the expiry of a key this client just wrote, once per key: no run key lives without one. */
  private async expiresSoon(name: string): Promise<void> {
    if (this.expiring.has(name)) return;
    await this.client.expire(this.key(name), this.ttlSeconds);
    this.expiring.add(name);
  }

  /**
   * Claims the run id: false when a run with this id exists already (its timeline is in Redis), so two
   * runs never share keys. `runner`: this runner's execution segment and the run's segment sequence in
   * a distributed run, null for a whole one. The runners of one run each claim their segment under the
   * same sequence; a whole run marks its timeline `whole`, so neither kind takes over the other's keys.
   */
  async claim(now: number, runner: { segment: string; sequence: string } | null): Promise<boolean> {
    const timeline = this.key('timeline');
    const at = String(now);
    let fresh: boolean;
    if (runner === null) {
      fresh = await this.client.hsetnx(timeline, 'createdAt', at);
      if (fresh) await this.client.hset(timeline, 'runners', 'whole');
    } else {
      await this.client.hsetnx(timeline, 'createdAt', at);
      await this.client.hsetnx(timeline, 'runners', runner.sequence);
      fresh =
        (await this.client.hsetnx(timeline, `claimed:${runner.segment}`, at)) &&
        (await this.client.hget(timeline, 'runners')) === runner.sequence;
    }
    if (fresh) await this.expiresSoon('timeline');
    return fresh;
  }

  /**
   * The timeline, refreshed at most every `maxAgeMs`: from another VU's reading when one recent enough is
   * shared, else from Redis (and then shared). Promise chains, not async functions: every VU calls it
   * twice a second (users.ts, its chores), and an async call costs a generator and a resumption more.
   */
  timeline(now: number, maxAgeMs = 1000): Promise<Timeline> {
    if (this.current(now, maxAgeMs)) return Promise.resolve(this.cached);
    this.fetching ??= this.client.hgetall(this.timelineKey).then(
      (hash) => {
        this.fetching = null;
        this.shared?.keepReading(this.timelineKey, now, hash);
        this.cached = parseTimeline(hash);
        this.fetchedAt = now;
        return this.cached;
      },
      (error: unknown) => {
        this.fetching = null;
        throw error;
      },
    );
    return this.fetching;
  }

  freshTimeline(now: number): Timeline | null {
    return this.current(now, 1000) ? this.cached : null;
  }

  /** Whether the cached timeline is under `maxAgeMs` old, taking a shared reading that is. */
  private current(now: number, maxAgeMs: number): boolean {
    return now - this.fetchedAt < maxAgeMs || this.takeShared(now, maxAgeMs);
  }

  /** Takes the shared reading when it is newer than this VU's and under `maxAgeMs` old. */
  private takeShared(now: number, maxAgeMs: number): boolean {
    if (this.shared === null) return false;
    const at = this.shared.readingAt(this.timelineKey);
    if (at <= this.fetchedAt || now - at >= maxAgeMs) return false;
    const hash = this.shared.reading(this.timelineKey);
    if (hash === null) return false;
    this.cached = parseTimeline(hash);
    this.fetchedAt = at;
    return true;
  }

  async mark(field: string, value: number | string): Promise<void> {
    await this.client.hset(this.key('timeline'), field, value);
    await this.expiresSoon('timeline');
  }

  /** Ends the load now (the rollout failed or the run is over). Never moves an earlier end later. */
  async endAt(t: number): Promise<void> {
    const current = parseTimeline(await this.client.hgetall(this.key('timeline'))).endAt;
    if (current === null || t < current) await this.mark('endAt', t);
  }

  async recordSession(user: string, sessionId: string): Promise<void> {
    await this.client.hset(this.key('sessions'), user, sessionId);
    await this.expiresSoon('sessions');
  }

  async recordLogout(sessionId: string): Promise<void> {
    await this.client.sadd(this.key('logged-out'), sessionId);
    await this.expiresSoon('logged-out');
  }

  async recordActivity(user: string, epochMs: number): Promise<void> {
    await this.client.hset(this.key('activity'), user, epochMs);
    await this.expiresSoon('activity');
  }

  async recordOrders(user: string, cids: string[]): Promise<void> {
    if (cids.length === 0) return;
    await this.client.sadd(this.key('orders'), ...cids.map((cid) => orderEntry(user, cid)));
    await this.expiresSoon('orders');
  }

  /** Counts one failure of `invariant` by phase, pod and color, and per second (and pod) for the timeline. */
  async recordFailure(invariant: string, at: Attribution, epochMs: number, detail = ''): Promise<void> {
    await this.client.hincrby(
      this.key('failures'),
      `${invariant}|${at.phase}|${at.pod}|${at.color}|${detail}`,
      1,
    );
    await this.client.hincrby(
      this.key('failure-seconds'),
      `${Math.floor(epochMs / 1000)}|${invariant}|${at.color}|${at.pod}`,
      1,
    );
    await this.expiresSoon('failures');
    await this.expiresSoon('failure-seconds');
  }

  /** One HSET per flush of a VU's activity: the report sums the blobs by second. */
  async recordSeconds(field: string, blob: string): Promise<void> {
    await this.client.hset(this.key('seconds'), field, blob);
    await this.expiresSoon('seconds');
  }

  /** Pod lifecycle events (`<pod>|<event>` → epoch ms) seen by the rollout driver, for the timeline's lanes. */
  async recordPods(fields: Record<string, number>): Promise<void> {
    const args = Object.entries(fields).flat();
    if (args.length === 0) return;
    await this.client.sendCommand('HSET', this.key('pods'), ...args);
    await this.expiresSoon('pods');
  }

  /**
   * Per pod, in sorted sets scored by epoch ms (readiness/keys.ts): the last response or frame it served,
   * the last new connection it accepted, the first socket it closed. ZADD GT/LT keeps the extreme across VUs.
   */
  async recordPodTraffic(pods: Map<string, PodTraffic>): Promise<void> {
    for (const [field, set] of Object.entries(podTrafficSets) as [
      keyof PodTraffic,
      { key: string; keep: string },
    ][]) {
      let wrote = false;
      for (const [pod, traffic] of pods) {
        const at = traffic[field];
        if (at === null) continue;
        await this.client.sendCommand('ZADD', this.key(set.key), set.keep, at, pod);
        wrote = true;
      }
      if (wrote) await this.expiresSoon(set.key);
    }
  }

  /** A run key holding one JSON document, with the run keys' expiry. */
  async setJson(name: string, value: unknown): Promise<void> {
    await this.client.set(this.key(name), JSON.stringify(value), this.ttlSeconds);
  }

  /** A run key's JSON document; null when the key is absent. */
  async getJson<T>(name: string): Promise<T | null> {
    const raw = await orNull(this.client.sendCommand('GET', this.key(name)));
    return typeof raw === 'string' ? (JSON.parse(raw) as T) : null;
  }

  /**
   * Sets the expiry of every run key to `seconds`; the audit calls it once it has read them, with the
   * time the reports still need them.
   */
  async expireAll(seconds: number): Promise<void> {
    for (const name of [
      'sessions',
      'logged-out',
      'activity',
      'orders',
      'failures',
      'failure-seconds',
      'seconds',
      'pods',
      ...readinessKeys,
    ]) {
      await this.client.expire(this.key(name), seconds);
    }
  }
}

/**
 * Traffic recorded in Go: per-second counts, and per pod its last response or frame and new connection
 * (epoch ms).
 */
export interface CountedTraffic {
  take(): {
    seconds: CountedSecond[];
    pods: [pod: string, lastServed: number, lastNewConnection: number | null][];
  } | null;
}

/** What Go records for a VU's users, and what it counts: identity responses (`http`) or feed messages. */
export interface CountedInGo {
  kind: 'http' | 'feed';
  traffic: CountedTraffic;
}

/**
 * Per-VU activity recorder for the timeline (per-second.ts): counts in memory, flushed every few seconds
 * as one HSET under a field of its own (a random writer id and a flush number), so VUs never contend.
 */
export class TrafficRecorder {
  /**
   * `counted`: identity responses checked and recorded in Go (k6/x/zerodrop's IdentityChecker) or feed
   * messages counted in Go (its FeedReader).
   */
  constructor(private readonly counted: CountedInGo | null = null) {}

  private readonly seconds = new PerSecond();
  private readonly writer = Math.random().toString(36).slice(2, 10);
  private flushes = 0;
  private pods = new Map<string, PodTraffic>();
  private flushedAt = Date.now();

  /** An identity request answered (`http`) or a feed message (`feed`), and its latency when known. */
  served(kind: 'http' | 'feed', by: Served, latencyMs: number | null, now = Date.now()): void {
    this.seconds.count(now, kind, by.pod, by.color);
    if (latencyMs !== null) this.seconds.latency(now, kind, latencyMs);
  }

  /** A WebSocket session became usable (`open`, also `reconnect` after a close) or ended (`close`). */
  socket(event: 'open' | 'close', by: Served, reconnected = false): void {
    const now = Date.now();
    this.seconds.count(now, event, by.pod, by.color);
    if (reconnected) this.seconds.count(now, 'reconnect', by.pod, by.color);
  }

  /**
   * What a pod did for a user (epoch ms): the response or frame it served, the new connection it accepted,
   * the socket it closed itself; the VU keeps the extremes until its flush. Unattributed traffic is left out.
   */
  pod(pod: string, seen: Partial<PodTraffic>): void {
    if (pod === 'unknown') return;
    this.pods.set(pod, mergeTraffic(this.pods.get(pod) ?? noTraffic, { ...noTraffic, ...seen }));
  }

  /**
   * `pod()` for what every response and feed message says, updated in place: the response or frame it
   * served, and the new connection it accepted (null: a reused one).
   */
  podServed(pod: string, lastServed: number, lastNewConnection: number | null = null): void {
    if (pod === 'unknown') return;
    const seen = this.pods.get(pod);
    if (!seen) {
      this.pods.set(pod, { ...noTraffic, lastServed, lastNewConnection });
      return;
    }
    seen.lastServed = later(seen.lastServed, lastServed);
    if (lastNewConnection !== null) seen.lastNewConnection = later(seen.lastNewConnection, lastNewConnection);
  }

  /** Brings in what Go recorded since the last flush, as served() and podServed() would have. */
  private takeCounted(): void {
    if (this.counted === null) return;
    const counted = this.counted.traffic.take();
    if (!counted) return;
    this.seconds.countSeconds(this.counted.kind, counted.seconds);
    for (const [pod, lastServed, lastNewConnection] of counted.pods)
      this.podServed(pod, lastServed, lastNewConnection);
  }

  /** A flush is due every 3 s: callers skip the (async) call otherwise. */
  flushDue(): boolean {
    return Date.now() - this.flushedAt >= 3000;
  }

  async flush(control: Control, force = false): Promise<void> {
    if (!force && !this.flushDue()) return;
    this.flushedAt = Date.now();
    this.takeCounted();
    const pods = this.pods;
    this.pods = new Map();
    const blob = this.seconds.take();
    if (blob !== '') await control.recordSeconds(`${this.writer}.${++this.flushes}`, blob);
    if (pods.size > 0) await control.recordPodTraffic(pods);
  }
}
