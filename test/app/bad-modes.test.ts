/**
 * Every known-bad mode (BAD_MODE) misbehaves as intended, and the correct service (`none`), put through
 * the same steps, does not. Real processes, a real Redis; several pods where the failure needs them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { BadMode } from '../../app/src/modes.ts';
import { CloseCode } from '../../app/src/protocol.ts';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import {
  eventually,
  get,
  isAckFor,
  isHello,
  type Login,
  login,
  postJson,
  SESSION_COOKIE,
  TestSocket,
} from './helpers.ts';

let redis: RedisServer;
let db: Redis;
const running = new Set<AppProcess>();

/** The correct service, two pods sharing Redis: the comparison for every mode. */
let goodA: AppProcess;
let goodB: AppProcess;

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
  [goodA, goodB] = await Promise.all([
    startPod('none', 'good:', 'good-a'),
    startPod('none', 'good:', 'good-b'),
  ]);
});

after(async () => {
  db?.disconnect();
  await Promise.all([...running].map((app) => app.stop()));
  await redis?.stop();
});

async function startPod(
  badMode: BadMode,
  prefix: string,
  podName: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const app = await startApp({
    env: {
      REDIS_URL: redis.url,
      BAD_MODE: badMode,
      KEY_PREFIX: prefix,
      POD_NAME: podName,
      USERS: 'alice:pw1',
      FEED_INTERVAL_MS: '50',
      DRAIN_SECONDS: '0',
      ...env,
    },
  });
  running.add(app);
  return app;
}

async function stopPod(app: AppProcess): Promise<void> {
  await app.stop();
  running.delete(app);
}

async function sessionKeys(prefix: string): Promise<string[]> {
  return db.keys(`${prefix}session:*`);
}

describe('BAD_MODE=memory-sessions (seed 001)', () => {
  it('misbehaves: the session is unknown to other pods, never reaches Redis, and dies with its pod', async () => {
    const [podA, podB] = await Promise.all([
      startPod('memory-sessions', 'mem:', 'mem-a'),
      startPod('memory-sessions', 'mem:', 'mem-b'),
    ]);
    const session = await login(podA, 'alice', 'pw1');
    assert.equal((await get(podA, '/api/me', session.cookie)).status, 200);
    assert.equal((await get(podB, '/api/me', session.cookie)).status, 401);
    assert.deepEqual(await sessionKeys('mem:'), []);
    await stopPod(podA);
    const restarted = await startPod('memory-sessions', 'mem:', 'mem-a');
    assert.equal((await get(restarted, '/api/me', session.cookie)).status, 401);
  });

  it('the good service: any pod accepts the session, it lives in Redis, and survives a restart', async () => {
    const session = await login(goodA, 'alice', 'pw1');
    assert.equal((await get(goodB, '/api/me', session.cookie)).status, 200);
    assert.deepEqual(
      await sessionKeys('good:').then((keys) => keys.includes(`good:session:${session.sessionId}`)),
      true,
    );
    await stopPod(goodA);
    goodA = await startPod('none', 'good:', 'good-a');
    assert.equal((await get(goodA, '/api/me', session.cookie)).status, 200);
  });
});

describe('BAD_MODE=pod-affinity (seed 000 pattern 2)', () => {
  it('misbehaves: another pod refuses the session, naming both pods', async () => {
    const [podA, podB] = await Promise.all([
      startPod('pod-affinity', 'aff:', 'pod-A'),
      startPod('pod-affinity', 'aff:', 'pod-B'),
    ]);
    const session = await login(podA, 'alice', 'pw1');
    assert.equal((await get(podA, '/api/me', session.cookie)).status, 200);
    const elsewhere = await get(podB, '/api/me', session.cookie);
    assert.equal(elsewhere.status, 401);
    assert.deepEqual(await elsewhere.json(), {
      error: `session for ${session.sessionId} is stored on pod-A but current pod is pod-B`,
    });
    const socket = await TestSocket.open(podB, session.cookie);
    assert.equal((await socket.closed).code, CloseCode.unauthorized);
  });

  it('the good service: the other pod serves the session and its WebSocket', async () => {
    const session = await login(goodA, 'alice', 'pw1');
    assert.equal((await get(goodB, '/api/me', session.cookie)).status, 200);
    const socket = await TestSocket.open(goodB, session.cookie);
    assert.equal((await socket.waitFor('hello', isHello)).pod, 'good-b');
    await socket.close();
  });
});

describe('BAD_MODE=no-cookie-guard (seed 000 pattern 1)', () => {
  it('misbehaves: an empty cookie crashes the handler with a 500 (HTTP and WebSocket upgrade)', async () => {
    const app = await startPod('no-cookie-guard', 'guard:', 'guard-a');
    const empty = await get(app, '/api/me', `${SESSION_COOKIE}=`);
    assert.equal(empty.status, 500);
    assert.deepEqual(await empty.json(), { error: 'internal server error' });
    // The log line can reach the pipe after the response it belongs to.
    await eventually('the TypeError in the log', () =>
      /TypeError: Cannot read properties of null/.test(app.output()),
    );
    await assert.rejects(TestSocket.open(app, `${SESSION_COOKIE}=`), /HTTP 500/);
    assert.equal((await get(app, '/api/me')).status, 401);
    assert.equal((await get(app, '/api/me', `${SESSION_COOKIE}=bad`)).status, 401);
    assert.equal((await get(app, '/healthz')).status, 200);
  });

  it('the good service: an empty cookie is a 401 and a 4401 close', async () => {
    const empty = await get(goodA, '/api/me', `${SESSION_COOKIE}=`);
    assert.equal(empty.status, 401);
    assert.deepEqual(await empty.json(), { error: 'empty session cookie' });
    const socket = await TestSocket.open(goodA, `${SESSION_COOKIE}=`);
    assert.equal((await socket.closed).code, CloseCode.unauthorized);
  });
});

describe('BAD_MODE=racy-logout (seed 000 pattern 3)', () => {
  // A wide race window makes the interleavings deterministic. Logout's own request re-saves the
  // session (one window), then logout writes the "null" tombstone and waits a second window before its
  // check-then-act DEL. A request starting half a window after logout reads the live session and writes
  // it back over the tombstone; one starting 1.5 windows after reads the tombstone and writes it back
  // after the DEL.
  const WINDOW_MS = 200;
  let racy: AppProcess;

  before(async () => {
    racy = await startPod('racy-logout', 'racy:', 'racy-a', { RACE_WINDOW_MS: String(WINDOW_MS) });
  });

  async function logoutRacedBy(app: AppProcess, session: Login, requestAfterMs: number) {
    const logout = postJson(app, '/logout', {}, session.cookie);
    await sleep(requestAfterMs);
    const me = get(app, '/api/me', session.cookie);
    const [logoutResponse, meResponse] = await Promise.all([logout, me]);
    return { logout: logoutResponse.status, me: meResponse.status };
  }

  it('misbehaves: a request concurrent with logout resurrects the logged-out session', async () => {
    const session = await login(racy, 'alice', 'pw1');
    const statuses = await logoutRacedBy(racy, session, WINDOW_MS / 2);
    assert.deepEqual(statuses, { logout: 200, me: 200 });
    const stored = JSON.parse((await db.get(`racy:session:${session.sessionId}`)) ?? 'null');
    assert.equal(stored?.sessionId, session.sessionId, 'the session key is back after the logout');
    assert.equal(typeof stored.lastSeen, 'number');
    assert.equal(
      (await get(racy, '/api/me', session.cookie)).status,
      200,
      'the logged-out cookie works again',
    );
  });

  it('misbehaves: a request concurrent with logout leaves the key holding "null"', async () => {
    const session = await login(racy, 'alice', 'pw1');
    const statuses = await logoutRacedBy(racy, session, WINDOW_MS * 1.5);
    assert.deepEqual(statuses, { logout: 200, me: 401 });
    await sleep(WINDOW_MS);
    const key = `racy:session:${session.sessionId}`;
    assert.equal(await db.get(key), 'null');
    assert.ok((await db.ttl(key)) > 0, 'the null value lingers until its TTL');
  });

  /** Rounds of: a client polling /api/me every 5 ms logs out; returns what each round left in Redis. */
  async function pollingLogouts(app: AppProcess, prefix: string, rounds: number) {
    const left = { resurrected: 0, null: 0, none: 0 };
    for (let round = 0; round < rounds; round++) {
      const session = await login(app, 'alice', 'pw1');
      const polls: Promise<Response>[] = [];
      const poller = setInterval(() => polls.push(get(app, '/api/me', session.cookie)), 5);
      await sleep(30);
      assert.equal((await postJson(app, '/logout', {}, session.cookie)).status, 200);
      await sleep(15);
      clearInterval(poller);
      await Promise.all(polls);
      await sleep(100);
      const value = await db.get(`${prefix}session:${session.sessionId}`);
      left[value === null ? 'none' : value === 'null' ? 'null' : 'resurrected']++;
    }
    return left;
  }

  it('misbehaves with the default RACE_WINDOW_MS too: a client polling while it logs out leaves its key', async () => {
    const app = await startPod('racy-logout', 'racy20:', 'racy-b');
    const left = await pollingLogouts(app, 'racy20:', 10);
    assert.ok(left.none <= 5, `rounds: ${JSON.stringify(left)}`);
  });

  it('the good service: a client polling while it logs out leaves nothing', async () => {
    assert.deepEqual(await pollingLogouts(goodA, 'good:', 10), { resurrected: 0, null: 0, none: 10 });
  });

  it('the good service: under the same interleavings and a burst, logout wins and leaves nothing', async () => {
    for (const requestAfterMs of [0, 1, 2, 5]) {
      const session = await login(goodA, 'alice', 'pw1');
      const burst = Array.from({ length: 10 }, () => get(goodA, '/api/me', session.cookie));
      await logoutRacedBy(goodA, session, requestAfterMs);
      await Promise.all(burst);
      assert.equal(await db.exists(`good:session:${session.sessionId}`), 0);
      assert.equal((await get(goodA, '/api/me', session.cookie)).status, 401);
    }
    for (const key of await sessionKeys('good:')) {
      assert.equal(JSON.parse((await db.get(key)) ?? 'null')?.sessionId, key.slice('good:session:'.length));
    }
  });
});

describe('BAD_MODE=no-resume', () => {
  async function reconnectGap(app: AppProcess): Promise<{ gap: number; replayed: number }> {
    const session = await login(app, 'alice', 'pw1');
    const first = await TestSocket.open(app, session.cookie);
    const before = await first.waitForFeed(3);
    await first.close();
    await sleep(400);
    const last = before.at(-1)!;
    const second = await TestSocket.open(app, session.cookie, `?lastId=${last.id}`);
    const hello = await second.waitFor('hello', isHello);
    const [next] = await second.waitForFeed(1);
    await second.close();
    return { gap: next!.seq - last.seq - 1, replayed: hello.replayed };
  }

  it('misbehaves: entries published while the client was away are lost', async () => {
    const app = await startPod('no-resume', 'nores:', 'nores-a');
    const { gap, replayed } = await reconnectGap(app);
    assert.equal(replayed, 0);
    assert.ok(gap >= 4, `missed ${gap} entries`);
  });

  it('the good service: the reconnect resumes with the next entry', async () => {
    const { gap, replayed } = await reconnectGap(goodA);
    assert.ok(replayed >= 4);
    assert.equal(gap, 0);
  });
});

describe('BAD_MODE=no-order-dedup', () => {
  async function sendTwice(app: AppProcess, prefix: string) {
    const session = await login(app, 'alice', 'pw1');
    const socket = await TestSocket.open(app, session.cookie);
    const cid = `order-${randomUUID()}`;
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const from = socket.messages.length;
      socket.sendJson({ type: 'order', cid, item: 'widget', qty: 1 });
      statuses.push((await socket.waitFor('ack', isAckFor(cid), 5000, from)).status);
    }
    await socket.close();
    return { statuses, applied: await db.hget(`${prefix}orders:applied`, cid) };
  }

  it('misbehaves: a resent order is applied again and acked as applied', async () => {
    const app = await startPod('no-order-dedup', 'dedup:', 'dedup-a');
    assert.deepEqual(await sendTwice(app, 'dedup:'), { statuses: ['applied', 'applied'], applied: '2' });
  });

  it('the good service: the resend is acked as duplicate and applied once', async () => {
    assert.deepEqual(await sendTwice(goodA, 'good:'), { statuses: ['applied', 'duplicate'], applied: '1' });
  });
});

describe('BAD_MODE=short-ttl', () => {
  /** The session's remaining TTL right after login and after a request a second later, in ms. */
  async function ttlAfterActivity(app: AppProcess, prefix: string) {
    const session = await login(app, 'alice', 'pw1');
    const key = `${prefix}session:${session.sessionId}`;
    const atLogin = await db.pttl(key);
    await sleep(1100);
    assert.equal((await get(app, '/api/me', session.cookie)).status, 200);
    return { atLogin, afterActivity: await db.pttl(key) };
  }

  it('misbehaves: the session lives 20 s from login and a request does not extend it', async () => {
    const app = await startPod('short-ttl', 'ttl:', 'ttl-a');
    const { atLogin, afterActivity } = await ttlAfterActivity(app, 'ttl:');
    assert.ok(atLogin > 18_000 && atLogin <= 20_000, `TTL at login ${atLogin} ms`);
    assert.ok(
      afterActivity < atLogin - 900,
      `TTL after a request ${afterActivity} ms, at login ${atLogin} ms`,
    );
  });

  it('the good service: the session lives SESSION_TTL_SECONDS and every request restarts it', async () => {
    const { atLogin, afterActivity } = await ttlAfterActivity(goodA, 'good:');
    assert.ok(atLogin > 3_590_000, `TTL at login ${atLogin} ms`);
    assert.ok(afterActivity > 3_599_000, `TTL after a request ${afterActivity} ms`);
  });
});

describe('BAD_MODE=abrupt-shutdown', () => {
  /** Sends SIGTERM with a WebSocket open; `duringShutdown` runs right after the signal. */
  async function terminateWithSocketOpen(
    app: AppProcess,
    duringShutdown: () => Promise<void> = async () => {},
  ) {
    const session = await login(app, 'alice', 'pw1');
    const socket = await TestSocket.open(app, session.cookie);
    await socket.waitFor('hello', isHello);
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    await duringShutdown();
    const closed = await socket.closed;
    const exit = await app.waitForExit(10_000);
    running.delete(app);
    return { closeCode: closed.code, closedAfterMs: closed.at - signalledAt, exit };
  }

  it('misbehaves: exits at once on SIGTERM, no drain, sockets cut without 1001', async () => {
    const app = await startPod('abrupt-shutdown', 'abrupt:', 'abrupt-a', { DRAIN_SECONDS: '2' });
    const result = await terminateWithSocketOpen(app);
    assert.equal(result.closeCode, 1006);
    assert.ok(result.closedAfterMs < 1000, `socket cut after ${result.closedAfterMs} ms`);
  });

  it('the good service: drains (readiness 503), then closes sockets with 1001', async () => {
    const app = await startPod('none', 'good:', 'good-c', { DRAIN_SECONDS: '1' });
    const result = await terminateWithSocketOpen(app, () =>
      eventually('/readyz to answer 503', async () => (await get(app, '/readyz')).status === 503, 500),
    );
    assert.equal(result.closeCode, CloseCode.goingAway);
    assert.ok(result.closedAfterMs >= 900, `socket closed after ${result.closedAfterMs} ms`);
    assert.equal(result.exit.code, 0);
  });
});

describe('BAD_MODE=readiness-stays-ready', () => {
  /** The status of a response (its body read), 0 when nothing answered. */
  const statusOf = (response: Promise<Response>) =>
    response.then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );

  /** /readyz statuses from SIGTERM until the process stops answering, and when each came. */
  async function readinessThroughShutdown(app: AppProcess) {
    const session = await login(app, 'alice', 'pw1');
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    const seen: { status: number; atMs: number; meServed: boolean }[] = [];
    for (let i = 0; i < 200; i++) {
      const status = await statusOf(get(app, '/readyz'));
      const me = await statusOf(get(app, '/api/me', session.cookie));
      seen.push({ status, atMs: Date.now() - signalledAt, meServed: me === 200 });
      if (status === 0) break;
      await sleep(50);
    }
    await app.waitForExit(10_000);
    running.delete(app);
    return seen;
  }

  it('misbehaves: /readyz answers 200 through the drain while requests are still served, until it stops listening', async () => {
    const app = await startPod('readiness-stays-ready', 'stays:', 'stays-a', { DRAIN_SECONDS: '1' });
    const seen = await readinessThroughShutdown(app);
    const answered = seen.filter((s) => s.status !== 0);
    assert.ok(answered.length >= 3, `answered ${answered.length} times during the drain`);
    assert.ok(
      answered.every((s) => s.status === 200),
      `readiness during the drain: ${answered.map((s) => s.status).join(' ')}`,
    );
    // (The last look may meet the listener closing between its two requests.)
    assert.ok(
      answered.some((s) => s.meServed && s.atMs >= 500),
      'still serving requests well into the drain',
    );
    assert.ok((answered.at(-1)?.atMs ?? 0) >= 800, 'the drain lasted DRAIN_SECONDS');
    assert.equal(seen.at(-1)?.status, 0, 'then it stopped listening');
  });

  it('the good service: /readyz answers 503 at once after SIGTERM, while requests are still served', async () => {
    const app = await startPod('none', 'good:', 'good-d', { DRAIN_SECONDS: '1' });
    const seen = await readinessThroughShutdown(app);
    // The signal handler runs a moment after the signal (longer on a loaded machine): from its first 503
    // on, readiness stays 503 while requests are still served.
    const shown = seen.map((s) => `${s.status}@${s.atMs}`).join(' ');
    const flipped = seen.findIndex((s) => s.status === 503);
    assert.ok(flipped >= 0 && (seen[flipped]?.atMs ?? Infinity) < 1000, `readiness after SIGTERM: ${shown}`);
    const answered = seen.slice(flipped).filter((s) => s.status !== 0);
    assert.ok(answered.length >= 3, `answered ${answered.length} times during the drain: ${shown}`);
    assert.ok(
      answered.every((s) => s.status === 503),
      `readiness during the drain: ${shown}`,
    );
    assert.ok(
      answered.some((s) => s.meServed),
      'still serving requests while not ready',
    );
  });
});
