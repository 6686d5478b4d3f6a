/**
 * examples/express-ws (Express 5 + express-session/connect-redis + ws) against a real redis-server,
 * each instance a real child process: sessions shared across instances, the /live feed (greeting,
 * contiguity, resume across instances), orders deduped across instances, graceful SIGTERM, and the
 * symptom of each FAULT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { type AppProcess, spawnApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const ENTRY = 'examples/express-ws/server.js';
const PASSWORD = 'pw-test';

interface Frame {
  op?: string;
  reply?: string;
  [key: string]: unknown;
}
interface Tick extends Frame {
  op: 'tick';
  offset: number;
  at: number;
  price: number;
}

const apps: AppProcess[] = [];

async function startService(redisUrl: string, podName: string, env: Record<string, string> = {}) {
  const app = await spawnApp({
    entry: ENTRY,
    env: {
      REDIS_URL: redisUrl,
      POD_NAME: podName,
      USER_PASSWORD: PASSWORD,
      FEED_INTERVAL_MS: '50',
      FEED_LEASE_MS: '1000',
      DRAIN_MS: '300',
      ...env,
    },
  });
  apps.push(app);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await fetch(`${app.url}/healthz/ready`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return app;
    if (app.stderr().includes('EADDRINUSE') || Date.now() > deadline) {
      throw new Error(`${podName} not ready:\n${app.output()}`);
    }
    await sleep(50);
  }
}

async function login(app: AppProcess, username: string, password = PASSWORD) {
  const response = await fetch(`${app.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('connect.sid='));
  return { response, body: await response.json(), cookie: setCookie?.split(';')[0] ?? '', setCookie };
}

function profile(app: AppProcess, cookie?: string) {
  return fetch(`${app.url}/api/profile`, { headers: cookie ? { cookie } : {} });
}

function logout(app: AppProcess, cookie: string) {
  return fetch(`${app.url}/api/session`, { method: 'DELETE', headers: { cookie } });
}

/** `connect.sid=s%3A<sid>.<sig>` → sid */
function sidOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice('connect.sid='.length));
  assert.ok(value.startsWith('s:'), value);
  return value.slice(2, value.lastIndexOf('.'));
}

class LiveClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString())));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(app: AppProcess, cookie?: string, query = ''): Promise<LiveClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${app.wsUrl}/live${query}`, { headers: cookie ? { cookie } : {} });
      const client = new LiveClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error('refused'), { res })));
    });
  }

  ticks(): Tick[] {
    return this.frames.filter((f): f is Tick => f.op === 'tick');
  }

  async waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.frames)}`);
      await sleep(10);
    }
  }

  async frame(what: string, match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    await this.waitFor(what, () => this.frames.some(match), timeoutMs);
    return this.frames.find(match)!;
  }

  async ticksUntil(offset: number, timeoutMs = 5000): Promise<Tick[]> {
    await this.waitFor(`tick ${offset}`, () => this.ticks().some((t) => t.offset >= offset), timeoutMs);
    return this.ticks();
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}

function assertContiguous(ticks: Tick[], firstOffset?: number): void {
  const offsets = ticks.map((t) => t.offset);
  if (firstOffset !== undefined) assert.equal(offsets[0], firstOffset, `first offset of ${offsets}`);
  for (let i = 1; i < offsets.length; i++) {
    assert.equal(offsets[i], offsets[i - 1]! + 1, `gap or duplicate in ${offsets.join(',')}`);
  }
}

async function refusedStatus(app: AppProcess, cookie?: string): Promise<number> {
  try {
    const client = await LiveClient.open(app, cookie);
    await client.close();
    return 101;
  } catch (err) {
    return (err as { res?: { statusCode: number } }).res?.statusCode ?? -1;
  }
}

async function placeOrder(client: LiveClient, ref: string): Promise<Frame> {
  client.send({ op: 'place', ref, sku: 'sku-1', qty: 1 });
  return client.frame(`ack ${ref}`, (f) => f.reply === 'place' && f.ref === ref);
}

after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
});

describe('express-ws, healthy', () => {
  let redis: RedisServer;
  let db: Redis;
  let a: AppProcess;
  let b: AppProcess;

  before(async () => {
    redis = await startRedis();
    db = new Redis(redis.url);
    [a, b] = await Promise.all([startService(redis.url, 'pod-a'), startService(redis.url, 'pod-b')]);
  });

  after(async () => {
    db?.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('logs in, shares the session with a second instance, logs out', async () => {
    const { response, body, cookie, setCookie } = await login(a, 'alice');
    assert.equal(response.status, 200);
    assert.deepEqual(body, { ok: true, user: { name: 'alice' } });
    assert.equal(response.headers.get('x-served-by'), 'pod-a');
    assert.match(cookie, /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+$/);
    assert.match(setCookie!, /Expires=.*HttpOnly/);

    const sid = sidOf(cookie);
    const stored = JSON.parse((await db.get(`sess:${sid}`))!);
    assert.deepEqual(stored.user, { name: 'alice' });
    const ttl = await db.ttl(`sess:${sid}`);
    assert.ok(ttl > 1700 && ttl <= 1800, `ttl ${ttl}`);

    for (const [app, pod] of [
      [a, 'pod-a'],
      [b, 'pod-b'],
    ] as const) {
      const me = await profile(app, cookie);
      assert.equal(me.status, 200);
      assert.equal(me.headers.get('x-served-by'), pod);
      assert.deepEqual(await me.json(), { user: { name: 'alice' } });
      // rolling: every authenticated response re-sends the cookie with a fresh Expires
      assert.ok(me.headers.getSetCookie().some((c) => c.startsWith('connect.sid=')));
    }

    const out = await logout(b, cookie);
    assert.equal(out.status, 204);
    assert.equal(out.headers.get('x-served-by'), 'pod-b');
    assert.equal(await db.exists(`sess:${sid}`), 0);
    assert.equal((await profile(a, cookie)).status, 401);
    assert.equal((await profile(b, cookie)).status, 401);
  });

  it('rejects bad credentials and anonymous requests with 401', async () => {
    assert.equal((await login(a, 'alice', 'wrong')).response.status, 401);
    assert.equal((await login(a, 'Not_Valid', PASSWORD)).response.status, 401);
    assert.equal((await login(a, 'x'.repeat(65), PASSWORD)).response.status, 401);
    const anon = await profile(a);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('x-served-by'), 'pod-a');
    assert.equal(anon.headers.getSetCookie().length, 0, 'saveUninitialized: false sets no cookie');
    assert.equal((await profile(a, 'connect.sid=s%3Aforged.sig')).status, 401);
    assert.equal((await fetch(`${a.url}/healthz/ready`)).status, 200);
  });

  it('refuses unauthenticated upgrades with 401 and greets the user', async () => {
    assert.equal(await refusedStatus(a), 401);
    assert.equal(await refusedStatus(a, 'connect.sid=s%3Aforged.sig'), 401);
    const { cookie } = await login(a, 'bob');
    const client = await LiveClient.open(b, cookie);
    const welcome = await client.frame('welcome', (f) => f.op === 'welcome');
    assert.equal(client.frames[0], welcome, 'the greeting comes first');
    assert.deepEqual(welcome, {
      op: 'welcome',
      epoch: await db.get('feed:epoch'),
      account: 'bob',
      node: 'pod-b',
    });
    const first = (await client.ticksUntil(0)).at(0)!;
    const ticks = await client.ticksUntil(first.offset + 20);
    assertContiguous(ticks);
    for (const t of ticks) {
      assert.equal(typeof t.price, 'number');
      assert.ok(Math.abs(Date.now() - t.at) < 10_000, `at ${t.at}`);
    }
    await client.close();
  });

  it('resumes on another instance with no gap and no duplicate', async () => {
    const { cookie } = await login(a, 'carol');
    const first = await LiveClient.open(a, cookie);
    const { epoch } = await first.frame('welcome', (f) => f.op === 'welcome');
    const seen = await first.ticksUntil(((await first.ticksUntil(0))[0]?.offset ?? 0) + 5);
    await first.close();
    const last = seen.at(-1)!.offset;
    await sleep(400); // events published while disconnected

    const second = await LiveClient.open(b, cookie, `?offset=${last}&epoch=${epoch}`);
    const head = Number(await db.get('feed:offset'));
    assert.ok(head > last + 3, `events were published meanwhile (${last} → ${head})`);
    const resumed = await second.ticksUntil(head + 10);
    assert.equal(second.frames[0]?.op, 'welcome');
    assertContiguous(resumed, last + 1);
    await second.close();
  });

  it('replays everything it has when the epoch differs', async () => {
    const { cookie } = await login(a, 'dave');
    const oldest = Number((await db.xrange('feed:events', '-', '+', 'COUNT', 1))[0]![0].split('-')[0]);
    const client = await LiveClient.open(a, cookie, '?offset=999999&epoch=some-older-epoch');
    const head = Number(await db.get('feed:offset'));
    assertContiguous(await client.ticksUntil(head + 3), oldest);
    await client.close();
  });

  it('acks an order once, then as replayed from the other instance', async () => {
    const { cookie } = await login(a, 'erin');
    const onA = await LiveClient.open(a, cookie);
    const onB = await LiveClient.open(b, cookie);
    const ref = `ref-${Date.now()}`;
    assert.deepEqual(await placeOrder(onA, ref), { reply: 'place', ref, result: 'ok' });
    assert.deepEqual(await placeOrder(onB, ref), { reply: 'place', ref, result: 'replayed' });
    const orders = await db.hgetall('orders:erin');
    assert.deepEqual(Object.keys(orders), [ref]);
    assert.deepEqual(
      { ...JSON.parse(orders[ref]!), at: 0 },
      { ref, sku: 'sku-1', qty: 1, at: 0, node: 'pod-a' },
    );
    assert.ok((await db.ttl(`orders:seen:${ref}`)) > 0);

    onA.send({ op: 'place', ref: 'bad', qty: 0 });
    const error = await onA.frame('error', (f) => f.reply === 'error');
    assert.equal(error.op, undefined);
    assert.equal(typeof error.message, 'string');
    onA.ws.send('not json');
    await onA.waitFor('2nd error', () => onA.frames.filter((f) => f.reply === 'error').length === 2);
    await Promise.all([onA.close(), onB.close()]);
  });

  it('slides the session timeout on each request', async () => {
    const c = await startService(redis.url, 'pod-c', { SESSION_MAX_AGE_MS: '1500' });
    const { cookie } = await login(c, 'frank');
    for (let i = 0; i < 5; i++) {
      await sleep(500);
      assert.equal((await profile(c, cookie)).status, 200, `request ${i} within the idle timeout`);
    }
    await sleep(2100);
    assert.equal((await profile(c, cookie)).status, 401, 'idle longer than the timeout');
    await c.stop();
  });

  it('on SIGTERM: readiness 503, then 1001 to sockets, feed continues elsewhere, exit 0', async () => {
    const d = await startService(redis.url, 'pod-d', { DRAIN_MS: '600' });
    const { cookie } = await login(d, 'grace');
    const onD = await LiveClient.open(d, cookie);
    const onB = await LiveClient.open(b, cookie);
    await onD.frame('welcome', (f) => f.op === 'welcome');
    const start = (await onB.ticksUntil(0))[0]!.offset;

    const signalledAt = Date.now();
    d.signal('SIGTERM');
    await sleep(100);
    const ready = await fetch(`${d.url}/healthz/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get('connection'), 'close');
    assert.equal((await profile(d, cookie)).status, 200, 'still serving during the drain');

    const close = await onD.closed;
    assert.deepEqual(close, { code: 1001, reason: 'server shutting down' });
    assert.ok(Date.now() - signalledAt >= 550, 'sockets closed after the drain');
    const exit = await d.waitForExit(8000);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(d.stdout(), /shutdown complete/);

    const head = Number(await db.get('feed:offset'));
    assertContiguous(await onB.ticksUntil(head + 10), start);
    await onB.close();
  });
  it('closes sockets with 1012 when the feed history is reset, then replays the new history', async () => {
    const { cookie } = await login(b, 'heidi');
    const client = await LiveClient.open(b, cookie);
    const { epoch } = await client.frame('welcome', (f) => f.op === 'welcome');
    const last = (await client.ticksUntil(0)).at(-1)!.offset;
    await db.flushall();
    assert.deepEqual(await client.closed, { code: 1012, reason: 'feed reset' });

    const again = await login(b, 'heidi'); // the sessions went with the data
    const resumed = await LiveClient.open(b, again.cookie, `?offset=${last}&epoch=${epoch}`);
    const welcome = await resumed.frame('welcome', (f) => f.op === 'welcome');
    assert.notEqual(welcome.epoch, epoch);
    assertContiguous(await resumed.ticksUntil(5), 1);
    await resumed.close();
  });
});

describe('express-ws, faults', () => {
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
    const env = { FAULT: 'memory-sessions' };
    const [m1, m2] = await Promise.all([
      startService(redis.url, 'mem-1', env),
      startService(redis.url, 'mem-2', env),
    ]);
    const { cookie } = await login(m1, 'alice');
    assert.equal((await profile(m1, cookie)).status, 200);
    assert.equal((await profile(m2, cookie)).status, 401);
    assert.equal(await db.exists(`sess:${sidOf(cookie)}`), 0);
    await Promise.all([m1.stop(), m2.stop()]);
  });

  it('no-replay: a resuming client misses what was published meanwhile', async () => {
    const app = await startService(redis.url, 'noreplay', { FAULT: 'no-replay' });
    const { cookie } = await login(app, 'bob');
    const first = await LiveClient.open(app, cookie);
    const { epoch } = await first.frame('welcome', (f) => f.op === 'welcome');
    const last = (await first.ticksUntil(0)).at(-1)!.offset;
    await first.close();
    await sleep(400);
    const second = await LiveClient.open(app, cookie, `?offset=${last}&epoch=${epoch}`);
    const firstAfter = (await second.ticksUntil(0))[0]!.offset;
    assert.ok(firstAfter > last + 3, `gap expected: resumed at ${last}, first tick ${firstAfter}`);
    await second.close();
    await app.stop();
  });

  it('abrupt-exit: SIGTERM drops sockets (1006) at once', async () => {
    const app = await startService(redis.url, 'abrupt', { FAULT: 'abrupt-exit', DRAIN_MS: '2000' });
    const { cookie } = await login(app, 'carol');
    const client = await LiveClient.open(app, cookie);
    await client.frame('welcome', (f) => f.op === 'welcome');
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    const close = await client.closed;
    assert.equal(close.code, 1006);
    assert.ok(Date.now() - signalledAt < 1500, 'no drain');
    await app.waitForExit(5000);
    assert.doesNotMatch(app.stdout(), /shutdown complete/);
  });

  it('readiness-stays-ready: readiness answers 200 through the drain, until the instance stops listening', async () => {
    const app = await startService(redis.url, 'stays', { FAULT: 'readiness-stays-ready', DRAIN_MS: '800' });
    const { cookie } = await login(app, 'ivan');
    app.signal('SIGTERM');
    await sleep(100);
    assert.equal((await profile(app, cookie)).status, 200, 'still serving during the drain');
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const status = await fetch(`${app.url}/healthz/ready`).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      );
      if (status === 0) break;
      statuses.push(status);
      await sleep(50);
    }
    assert.ok(statuses.length >= 3, `answered ${statuses.length} times while draining`);
    assert.ok(
      statuses.every((s) => s === 200),
      `readiness while draining: ${statuses.join(' ')}`,
    );
    assert.match(app.stdout(), /SIGTERM: draining/);
    assert.deepEqual(await app.waitForExit(8000), { code: 0, signal: null });
  });

  it('double-apply: an order resent to another instance is applied again', async () => {
    const env = { FAULT: 'double-apply' };
    const [d1, d2] = await Promise.all([
      startService(redis.url, 'dbl-1', env),
      startService(redis.url, 'dbl-2', env),
    ]);
    const { cookie } = await login(d1, 'dave');
    const on1 = await LiveClient.open(d1, cookie);
    const on2 = await LiveClient.open(d2, cookie);
    assert.equal((await placeOrder(on1, 'r-1')).result, 'ok');
    assert.equal((await placeOrder(on2, 'r-1')).result, 'ok', 'applied a second time');
    on1.frames.length = 0;
    assert.equal((await placeOrder(on1, 'r-1')).result, 'replayed', 'same instance still dedupes');
    assert.equal(await db.exists('orders:seen:r-1'), 0);
    assert.equal(JSON.parse((await db.hget('orders:dave', 'r-1'))!).node, 'dbl-2', 'overwritten by the 2nd');
    await Promise.all([on1.close(), on2.close()]);
    await Promise.all([d1.stop(), d2.stop()]);
  });

  it('logout-keeps-session: the old cookie still works after logout', async () => {
    const app = await startService(redis.url, 'keeps', { FAULT: 'logout-keeps-session' });
    const { cookie } = await login(app, 'erin');
    const out = await logout(app, cookie);
    assert.equal(out.status, 204);
    assert.ok(out.headers.getSetCookie().some((c) => /^connect\.sid=;.*Expires=Thu, 01 Jan 1970/.test(c)));
    assert.equal((await profile(app, cookie)).status, 200);
    assert.equal(await db.exists(`sess:${sidOf(cookie)}`), 1);
    await app.stop();
  });

  it('refuses an unknown FAULT at start-up', async () => {
    const app = await spawnApp({ entry: ENTRY, env: { REDIS_URL: redis.url, FAULT: 'nope' } });
    apps.push(app);
    const exit = await app.waitForExit(5000);
    assert.notEqual(exit.code, 0);
    assert.match(app.stderr(), /unknown FAULT "nope"/);
  });
});
