/**
 * examples/socketio (Express 5 + express-session/connect-redis + Socket.IO 4.8) against a real Redis, as
 * real child processes. The Socket.IO client is the root's raw `ws` with Engine.IO/Socket.IO framing
 * written out here, so the frames and close codes asserted are exactly what a k6 client sees.
 *
 * Needs `npm ci` in examples/socketio first.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { type AppProcess, spawnApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const ENTRY = 'examples/socketio/src/server.js';
const PASSWORD = 'test-password';
const running = new Set<AppProcess>();

after(async () => {
  await Promise.all([...running].map((app) => app.stop()));
});

async function startService(redis: RedisServer, podName: string, env: Record<string, string> = {}) {
  const app = await spawnApp({
    entry: ENTRY,
    env: {
      REDIS_URL: redis.url,
      POD_NAME: podName,
      USER_PASSWORD: PASSWORD,
      FEED_INTERVAL_MS: '50',
      FEED_LEASE_MS: '1000',
      DRAIN_MS: '600',
      ...env,
    },
  });
  running.add(app);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${app.url}/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return app;
    } catch {
      // not listening yet
    }
    if (app.output().includes('EADDRINUSE') || Date.now() > deadline) {
      throw new Error(`${podName} not ready:\n${app.output()}`);
    }
    await sleep(50);
  }
}

/** Logs in and returns the `connect.sid=…` cookie pair. */
async function login(app: AppProcess, username: string): Promise<string> {
  const res = await fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { username });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('connect.sid='));
  assert.ok(cookie, 'login sets connect.sid');
  return cookie.split(';')[0]!;
}

function me(app: AppProcess, cookie?: string) {
  return fetch(`${app.url}/me`, { headers: cookie ? { cookie } : {} });
}

/** `connect.sid=s%3A<sid>.<sig>` → `sess:<sid>` */
function sessionKey(cookie: string): string {
  const value = decodeURIComponent(cookie.slice('connect.sid='.length));
  assert.ok(value.startsWith('s:'));
  return `sess:${value.slice(2, value.lastIndexOf('.'))}`;
}

interface Tick {
  seq: number;
  ts: number;
  publisher: string;
}

/** A Socket.IO v4 client on a raw WebSocket (Engine.IO v4 + Socket.IO v5 framing, namespace `/`). */
class SioClient {
  readonly frames: string[] = [];
  readonly ticks: Tick[] = [];
  hello: { username: string; server: string } | undefined;
  connectError: unknown;
  closeCode: number | undefined;
  instance: string | undefined;
  private readonly ws: WebSocket;
  private readonly waiters = new Set<() => void>();
  private nextAckId = 1;
  private readonly acks = new Map<number, (value: unknown) => void>();

  constructor(app: AppProcess, cookie: string | undefined, auth?: object) {
    this.ws = new WebSocket(`${app.wsUrl}/socket.io/?EIO=4&transport=websocket`, {
      headers: cookie ? { cookie } : {},
    });
    this.ws.on('upgrade', (res) => {
      this.instance = String(res.headers['x-instance']);
    });
    this.ws.on('error', () => {});
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    this.ws.on('message', (data) => {
      const frame = data.toString();
      this.frames.push(frame);
      if (frame.startsWith('0')) this.ws.send(`40${auth ? JSON.stringify(auth) : ''}`);
      else if (frame === '2') this.ws.send('3');
      else if (frame.startsWith('42')) {
        const [event, payload] = JSON.parse(frame.slice(2));
        if (event === 'tick') this.ticks.push(payload);
        if (event === 'hello') this.hello = payload;
      } else if (frame.startsWith('43')) {
        const match = /^43(\d+)(.*)$/.exec(frame)!;
        this.acks.get(Number(match[1]))?.(JSON.parse(match[2]!)[0]);
      } else if (frame.startsWith('44')) this.connectError = JSON.parse(frame.slice(2));
      this.notify();
    });
  }

  private notify() {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what}; frames: ${this.frames.slice(-5).join(' | ')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  emitWithAck(event: string, payload: unknown): Promise<unknown> {
    const id = this.nextAckId++;
    const acked = new Promise((resolve) => this.acks.set(id, resolve));
    this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    return Promise.race([
      acked,
      sleep(5000).then(() => Promise.reject(new Error(`no ack ${id}; frames: ${this.frames.slice(-5)}`))),
    ]);
  }

  get lastSeq(): number {
    return this.ticks.at(-1)?.seq ?? 0;
  }

  closed(): Promise<void> {
    return this.until(() => this.closeCode !== undefined, 'close', 8000);
  }

  close(): Promise<void> {
    this.ws.close(1000);
    return this.closed();
  }
}

function assertContiguous(ticks: Tick[], from?: number) {
  assert.ok(ticks.length > 0);
  if (from !== undefined) assert.equal(ticks[0]!.seq, from, `first seq ${ticks[0]!.seq}, expected ${from}`);
  ticks.forEach((tick, i) => {
    assert.equal(typeof tick.ts, 'number');
    if (i > 0) assert.equal(tick.seq, ticks[i - 1]!.seq + 1, `seq ${ticks[i - 1]!.seq} then ${tick.seq}`);
  });
}

const user = () => `u-${randomUUID().slice(0, 8)}`;

describe('healthy', () => {
  let redis: RedisServer;
  let db: Redis;
  let a: AppProcess;
  let b: AppProcess;

  before(async () => {
    redis = await startRedis();
    db = new Redis(redis.url);
    [a, b] = await Promise.all([startService(redis, 'pod-a'), startService(redis, 'pod-b')]);
  });
  after(async () => {
    db?.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('login, me on both instances, logout; 401 without a session', async () => {
    const name = user();
    const cookie = await login(a, name);
    assert.match(cookie, /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+$/);
    const stored = JSON.parse((await db.get(sessionKey(cookie)))!);
    assert.equal(stored.username, name);
    assert.ok((await db.ttl(sessionKey(cookie))) > 0);

    for (const [app, pod] of [
      [a, 'pod-a'],
      [b, 'pod-b'],
    ] as const) {
      const res = await me(app, cookie);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-instance'), pod);
      assert.deepEqual(await res.json(), { username: name, server: pod });
    }

    assert.equal((await me(a)).status, 401);
    assert.equal((await me(a, 'connect.sid=s%3Aforged.sig')).status, 401);
    const bad = await fetch(`${a.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password: 'wrong' }),
    });
    assert.equal(bad.status, 401);
    const badName = await fetch(`${a.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'Not_Valid', password: PASSWORD }),
    });
    assert.equal(badName.status, 401);

    const out = await fetch(`${b.url}/logout`, { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 200);
    assert.equal(await db.exists(sessionKey(cookie)), 0);
    assert.equal((await me(a, cookie)).status, 401);
    assert.equal((await me(b, cookie)).status, 401);
  });

  it('rejects a socket without a session with CONNECT_ERROR unauthorized', async () => {
    const client = new SioClient(a, undefined);
    await client.until(() => client.connectError !== undefined, 'CONNECT_ERROR');
    assert.deepEqual(client.connectError, { message: 'unauthorized' });
    assert.ok(client.frames.includes('44{"message":"unauthorized"}'));
    assert.equal(client.hello, undefined);
    await client.close();
  });

  it('greets the user and streams a contiguous feed', async () => {
    const name = user();
    const client = new SioClient(a, await login(a, name));
    await client.until(() => client.ticks.length >= 15, '15 ticks');
    assert.deepEqual(client.hello, { username: name, server: 'pod-a' });
    assert.equal(client.instance, 'pod-a');
    assert.match(client.frames[1]!, /^40\{"sid":"[^"]+"\}$/);
    assert.ok(client.frames.indexOf(`42["hello",{"username":"${name}","server":"pod-a"}]`) === 2);
    assertContiguous(client.ticks);
    await client.close();
  });

  it('resumes on the other instance from auth.lastSeq with no gap and no duplicate', async () => {
    const cookie = await login(a, user());
    const first = new SioClient(a, cookie);
    await first.until(() => first.ticks.length >= 5, '5 ticks');
    await first.close();
    const lastSeq = first.lastSeq;
    await sleep(400); // the feed moves on meanwhile (50 ms interval)

    const second = new SioClient(b, cookie, { lastSeq });
    await second.until(() => second.lastSeq >= lastSeq + 20, '20 ticks after the resume point');
    assert.equal(second.hello?.server, 'pod-b');
    assertContiguous(second.ticks, lastSeq + 1);
    await second.close();
  });

  it('acks an order as created, then as a duplicate from the other instance', async () => {
    const name = user();
    const cookie = await login(a, name);
    const order = { id: randomUUID(), item: 'book', qty: 2 };
    const onA = new SioClient(a, cookie);
    await onA.until(() => onA.hello !== undefined, 'hello');
    assert.deepEqual(await onA.emitWithAck('order', order), { status: 'created', id: order.id });
    assert.ok(onA.frames.includes(`431[{"status":"created","id":"${order.id}"}]`));
    await onA.close();

    const onB = new SioClient(b, cookie);
    await onB.until(() => onB.hello !== undefined, 'hello');
    assert.deepEqual(await onB.emitWithAck('order', order), { status: 'duplicate', id: order.id });
    assert.deepEqual(await onB.emitWithAck('order', { id: 'x', qty: 0 }), {
      status: 'rejected',
      error: 'item must be a non-empty string',
    });
    await onB.close();

    const stored = (await db.lrange(`orders:${name}`, 0, -1)).map((s) => JSON.parse(s));
    assert.equal(stored.length, 1);
    assert.deepEqual(
      { id: stored[0].id, item: stored[0].item, qty: stored[0].qty, server: stored[0].server },
      { ...order, server: 'pod-a' },
    );
  });

  it('logout disconnects the session sockets on every instance', async () => {
    const cookie = await login(a, user());
    const client = new SioClient(b, cookie);
    await client.until(() => client.hello !== undefined, 'hello');
    assert.equal((await fetch(`${a.url}/logout`, { method: 'POST', headers: { cookie } })).status, 200);
    await client.until(() => client.frames.includes('41'), 'DISCONNECT (41)');
    await client.close();
  });

  it('sessions slide: each request renews the idle timeout, an idle session expires', async () => {
    const d = await startService(redis, 'pod-d', { SESSION_MAX_AGE_MS: '1500' });
    const cookie = await login(d, user());
    const ttl = await db.pttl(sessionKey(cookie));
    // connect-redis: EX ceil((cookie.expires - now) / 1000) seconds
    assert.ok(ttl > 1000 && ttl <= 2000, `TTL ${ttl} ms`);
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      const res = await me(d, cookie);
      assert.equal(res.status, 200, `request ${i} after 800 ms`);
      assert.match(res.headers.get('set-cookie') ?? '', /^connect\.sid=.*Expires=/, 'rolling cookie');
    }
    await sleep(2200);
    assert.equal((await me(d, cookie)).status, 401);
    assert.equal(await db.exists(sessionKey(cookie)), 0);
    await d.stop();
  });

  it('SIGTERM: readiness 503, sockets open during the drain, then closed (1005), exit 0', async () => {
    const c = await startService(redis, 'pod-c', { DRAIN_MS: '800' });
    const client = new SioClient(c, await login(c, user()));
    await client.until(() => client.ticks.length >= 3, 'ticks');
    const t0 = Date.now();
    c.signal('SIGTERM');
    await sleep(100);
    const ready = await fetch(`${c.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get('connection'), 'close');
    assert.equal(client.closeCode, undefined, 'still open during the drain');
    await client.closed();
    assert.ok(Date.now() - t0 >= 700, 'closed after DRAIN_MS');
    assert.equal(client.closeCode, 1005, 'io.close(): empty close frame');
    assert.ok(!client.frames.includes('41'), 'io.close() sends no DISCONNECT');
    assert.deepEqual(await c.waitForExit(10_000), { code: 0, signal: null });
    // the feed goes on from the other instances
    const resumed = new SioClient(a, await login(a, user()), { lastSeq: client.lastSeq });
    await resumed.until(() => resumed.ticks.length >= 10, 'ticks after the shutdown');
    assertContiguous(resumed.ticks, client.lastSeq + 1);
    await resumed.close();
  });
});

describe('faults', () => {
  let redis: RedisServer;
  let db: Redis;

  before(async () => {
    redis = await startRedis();
    db = new Redis(redis.url);
  });
  after(async () => {
    db?.disconnect();
    await redis?.stop();
  });

  it('memory-sessions: the other instance does not know the session', async () => {
    const [a, b] = await Promise.all([
      startService(redis, 'mem-a', { FAULT: 'memory-sessions' }),
      startService(redis, 'mem-b', { FAULT: 'memory-sessions' }),
    ]);
    const cookie = await login(a, user());
    assert.equal((await me(a, cookie)).status, 200);
    assert.equal((await me(b, cookie)).status, 401);
    assert.equal(await db.exists(sessionKey(cookie)), 0);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('no-replay: a resuming client gets only the live feed (gap)', async () => {
    const app = await startService(redis, 'noreplay', { FAULT: 'no-replay' });
    const cookie = await login(app, user());
    const first = new SioClient(app, cookie);
    await first.until(() => first.ticks.length >= 3, 'ticks');
    await first.close();
    await sleep(400);
    const second = new SioClient(app, cookie, { lastSeq: first.lastSeq });
    await second.until(() => second.ticks.length >= 1, 'a tick');
    assert.ok(second.ticks[0]!.seq > first.lastSeq + 1, `gap expected, got ${second.ticks[0]!.seq}`);
    await second.close();
    await app.stop();
  });

  it('double-apply: an order resent to another instance is applied again', async () => {
    const [a, b] = await Promise.all([
      startService(redis, 'dbl-a', { FAULT: 'double-apply' }),
      startService(redis, 'dbl-b', { FAULT: 'double-apply' }),
    ]);
    const name = user();
    const cookie = await login(a, name);
    const order = { id: randomUUID(), item: 'pen', qty: 1 };
    const onA = new SioClient(a, cookie);
    await onA.until(() => onA.hello !== undefined, 'hello');
    assert.deepEqual(await onA.emitWithAck('order', order), { status: 'created', id: order.id });
    assert.deepEqual(await onA.emitWithAck('order', order), { status: 'duplicate', id: order.id });
    const onB = new SioClient(b, cookie);
    await onB.until(() => onB.hello !== undefined, 'hello');
    assert.deepEqual(await onB.emitWithAck('order', order), { status: 'created', id: order.id });
    assert.equal(await db.llen(`orders:${name}`), 2);
    await Promise.all([onA.close(), onB.close()]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('logout-keeps-session: the cookie is cleared but the old one still works', async () => {
    const app = await startService(redis, 'keeps', { FAULT: 'logout-keeps-session' });
    const cookie = await login(app, user());
    const out = await fetch(`${app.url}/logout`, { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /^connect\.sid=;.*Expires=Thu, 01 Jan 1970/);
    assert.equal((await me(app, cookie)).status, 200);
    assert.equal(await db.exists(sessionKey(cookie)), 1);
    await app.stop();
  });

  it('abrupt-exit: SIGTERM exits at once, sockets see 1006', async () => {
    const app = await startService(redis, 'abrupt', { FAULT: 'abrupt-exit', DRAIN_MS: '2000' });
    const client = new SioClient(app, await login(app, user()));
    await client.until(() => client.ticks.length >= 1, 'a tick');
    const t0 = Date.now();
    app.signal('SIGTERM');
    await client.closed();
    assert.equal(client.closeCode, 1006);
    assert.deepEqual(await app.waitForExit(5000), { code: 0, signal: null });
    assert.ok(Date.now() - t0 < 1500, 'no drain');
  });
});
