/**
 * GET /ws against a real service and redis-server: authentication, hello, the live feed, resume with
 * lastId (no gap, no duplicate), orders with dedup, invalid frames, one Redis reader per pod.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CloseCode, ErrorCode, MAX_CLIENT_FRAME_BYTES } from '../../app/src/protocol.ts';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import {
  feedProblem,
  isAckFor,
  isError,
  isHello,
  type Login,
  login,
  postJson,
  SESSION_COOKIE,
  TestSocket,
} from './helpers.ts';

const PREFIX = 'ws:';
const POD = 'pod-ws';

let redis: RedisServer;
let app: AppProcess;
let db: Redis;
let alice: Login;

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
  app = await startApp({
    env: {
      REDIS_URL: redis.url,
      KEY_PREFIX: PREFIX,
      POD_NAME: POD,
      COLOR: 'green',
      VERSION: '2.0.0',
      USERS: 'alice:pw1',
      FEED_INTERVAL_MS: '50',
      DRAIN_SECONDS: '0',
    },
  });
  alice = await login(app, 'alice', 'pw1');
});

after(async () => {
  db?.disconnect();
  await app?.stop();
  await redis?.stop();
});

const newCid = () => `order-${randomUUID()}`;

describe('WebSocket authentication', () => {
  const cookies: [string, string | undefined][] = [
    ['no cookie', undefined],
    ['an empty cookie', `${SESSION_COOKIE}=`],
    ['a malformed cookie', `${SESSION_COOKIE}=not-a-session`],
    ['an unknown session', `${SESSION_COOKIE}=${'Z'.repeat(43)}`],
  ];
  for (const [name, cookie] of cookies) {
    it(`accepts, then closes at once with 4401 "unauthorized", for ${name}`, async () => {
      const socket = await TestSocket.open(app, cookie);
      const closed = await socket.closed;
      assert.equal(closed.code, CloseCode.unauthorized);
      assert.equal(closed.reason, 'unauthorized');
      assert.deepEqual(socket.messages, []);
    });
  }

  it('closes with 4401 for a session that has expired', async () => {
    const session = await login(app, 'alice', 'pw1');
    await db.del(`${PREFIX}session:${session.sessionId}`);
    const socket = await TestSocket.open(app, session.cookie);
    assert.equal((await socket.closed).code, CloseCode.unauthorized);
  });
});

describe('WebSocket feed', () => {
  it('says hello first, then delivers live entries: contiguous seq, increasing ids, valid messages', async () => {
    const socket = await TestSocket.open(app, alice.cookie);
    const hello = await socket.waitFor('hello', isHello);
    assert.deepEqual(hello, {
      type: 'hello',
      user: 'alice',
      sessionId: alice.sessionId,
      pod: POD,
      color: 'green',
      version: '2.0.0',
      resumedFrom: null,
      replayed: 0,
    });
    assert.equal(socket.messages[0]?.type, 'hello');
    const feed = await socket.waitForFeed(10);
    assert.equal(feedProblem(feed), null);
    for (const entry of feed) {
      assert.match(entry.cid, /^feed-[\w-]{12}$/);
      assert.ok(Math.abs(Date.now() - entry.ts) < 5000);
    }
    assert.deepEqual(socket.unparsable, []);
    await socket.close();
  });

  it('delivers what the stream holds: the same ids, seqs and cids', async () => {
    const socket = await TestSocket.open(app, alice.cookie);
    const feed = await socket.waitForFeed(5);
    const stored = await db.xrange(`${PREFIX}feed`, feed[0]!.id, feed[4]!.id);
    assert.deepEqual(
      stored.map(([id, fields]) => ({ id, seq: Number(fields[1]), cid: fields[3], ts: Number(fields[5]) })),
      feed.slice(0, 5).map(({ id, seq, cid, ts }) => ({ id, seq, cid, ts })),
    );
    await socket.close();
  });

  it('resumes after a reconnect with every entry published meanwhile: no gap, no duplicate', async () => {
    const first = await TestSocket.open(app, alice.cookie);
    const before = await first.waitForFeed(5);
    await first.close();
    const last = before.at(-1)!;
    await sleep(400);

    const second = await TestSocket.open(app, alice.cookie, `?lastId=${last.id}`);
    const hello = await second.waitFor('hello', isHello);
    assert.equal(hello.resumedFrom, last.id);
    assert.ok(hello.replayed >= 4, `replayed ${hello.replayed}`);
    const after = await second.waitForFeed(hello.replayed + 10);
    assert.equal(after[0]!.seq, last.seq + 1);
    assert.equal(feedProblem([...before, ...after]), null);
    await second.close();
  });

  it('replays from an old id through to live without a seam', async () => {
    const [[oldest]] = (await db.xrange(`${PREFIX}feed`, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    const socket = await TestSocket.open(app, alice.cookie, `?lastId=${oldest}`);
    const hello = await socket.waitFor('hello', isHello);
    const feed = await socket.waitForFeed(hello.replayed + 10);
    assert.equal(feed[0]!.seq, 2);
    assert.equal(feedProblem(feed), null);
    await socket.close();
  });

  it('treats an empty lastId as a fresh subscription', async () => {
    const socket = await TestSocket.open(app, alice.cookie, '?lastId=');
    const hello = await socket.waitFor('hello', isHello);
    assert.equal(hello.resumedFrom, null);
    await socket.close();
  });

  for (const lastId of ['abc', '1-2-3', '99999999999999999999999-0', '-1']) {
    it(`answers lastId=${lastId} with bad_last_id and closes 4400`, async () => {
      const socket = await TestSocket.open(app, alice.cookie, `?lastId=${encodeURIComponent(lastId)}`);
      const closed = await socket.closed;
      assert.equal(closed.code, CloseCode.badFrame);
      assert.equal(socket.messages[0]?.type === 'error' && socket.messages[0].code, ErrorCode.badLastId);
    });
  }

  it('reads the stream with one connection per pod, however many sockets are open', async () => {
    const sockets = await Promise.all(Array.from({ length: 25 }, () => TestSocket.open(app, alice.cookie)));
    await Promise.all(sockets.map((socket) => socket.waitForFeed(2)));
    const clients = (await db.client('LIST')) as string;
    const names = [...clients.matchAll(/ name=(\S*)/g)]
      .map((match) => match[1])
      .filter((n) => n?.includes(POD));
    assert.deepEqual(names.sort(), [`zerodrop:${POD}:commands`, `zerodrop:${POD}:feed-reader`]);
    await Promise.all(sockets.map((socket) => socket.close()));
  });
});

describe('WebSocket orders', () => {
  it('applies an order once and acks resends as duplicate', async () => {
    const socket = await TestSocket.open(app, alice.cookie);
    await socket.waitFor('hello', isHello);
    const cid = newCid();
    socket.sendJson({ type: 'order', cid, item: 'widget', qty: 2 });
    const first = await socket.waitFor('first ack', isAckFor(cid));
    assert.equal(first.status, 'applied');
    const acked = socket.messages.length;
    socket.sendJson({ type: 'order', cid, item: 'widget', qty: 2 });
    const second = await socket.waitFor('second ack', isAckFor(cid), 5000, acked);
    assert.equal(second.status, 'duplicate');
    assert.equal(await db.hget(`${PREFIX}orders:applied`, cid), '1');
    const ttl = await db.ttl(`${PREFIX}order:${cid}`);
    assert.ok(ttl > 86_000 && ttl <= 86_400, `marker TTL ${ttl}`);
    assert.deepEqual(JSON.parse((await db.get(`${PREFIX}order:${cid}`)) ?? '{}').item, 'widget');
    await socket.close();
  });

  it('dedups a resend on another connection (after a reconnect)', async () => {
    const cid = newCid();
    for (const expected of ['applied', 'duplicate']) {
      const socket = await TestSocket.open(app, alice.cookie);
      socket.sendJson({ type: 'order', cid, item: 'gadget', qty: 1 });
      assert.equal((await socket.waitFor('ack', isAckFor(cid))).status, expected);
      await socket.close();
    }
    assert.equal(await db.hget(`${PREFIX}orders:applied`, cid), '1');
  });

  it('applies concurrent resends of one cid exactly once', async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => TestSocket.open(app, alice.cookie)));
    const cid = newCid();
    for (const socket of sockets) socket.sendJson({ type: 'order', cid, item: 'race', qty: 1 });
    const acks = await Promise.all(sockets.map((socket) => socket.waitFor('ack', isAckFor(cid))));
    assert.equal(acks.filter((ack) => ack.status === 'applied').length, 1);
    assert.equal(await db.hget(`${PREFIX}orders:applied`, cid), '1');
    await Promise.all(sockets.map((socket) => socket.close()));
  });

  it('ends the socket with session_ended and 4401 when an order arrives after logout', async () => {
    const session = await login(app, 'alice', 'pw1');
    const socket = await TestSocket.open(app, session.cookie);
    await socket.waitFor('hello', isHello);
    assert.equal((await postJson(app, '/logout', {}, session.cookie)).status, 200);
    const cid = newCid();
    socket.sendJson({ type: 'order', cid, item: 'late', qty: 1 });
    const closed = await socket.closed;
    assert.equal(closed.code, CloseCode.unauthorized);
    assert.ok(socket.messages.some((m) => m.type === 'error' && m.code === ErrorCode.sessionEnded));
    assert.equal(await db.hget(`${PREFIX}orders:applied`, cid), null);
  });
});

describe('WebSocket invalid frames', () => {
  async function openReady(): Promise<TestSocket> {
    const socket = await TestSocket.open(app, alice.cookie);
    await socket.waitFor('hello', isHello);
    return socket;
  }

  async function assertStillServes(socket: TestSocket): Promise<void> {
    const cid = newCid();
    socket.sendJson({ type: 'order', cid, item: 'after', qty: 1 });
    assert.equal((await socket.waitFor('ack after a bad frame', isAckFor(cid))).status, 'applied');
  }

  const recoverable: [string, (socket: TestSocket) => void, string][] = [
    ['wrong type', (s) => s.sendJson({ type: 'buy', cid: newCid() }), ErrorCode.invalidMessage],
    ['missing fields', (s) => s.sendJson({ type: 'order' }), ErrorCode.invalidMessage],
    ['bad cid', (s) => s.sendJson({ type: 'order', cid: 'x', item: 'a', qty: 1 }), ErrorCode.invalidMessage],
    [
      'bad qty',
      (s) => s.sendJson({ type: 'order', cid: newCid(), item: 'a', qty: 0.5 }),
      ErrorCode.invalidMessage,
    ],
    ['a JSON array', (s) => s.sendJson([1, 2]), ErrorCode.invalidMessage],
    ['binary', (s) => s.send(Buffer.from('{"type":"order"}'), { binary: true }), ErrorCode.binaryFrame],
    ['oversized', (s) => s.send('x'.repeat(MAX_CLIENT_FRAME_BYTES + 1)), ErrorCode.frameTooLarge],
  ];
  for (const [name, send, code] of recoverable) {
    it(`answers ${name} with an ${code} error and keeps serving`, async () => {
      const socket = await openReady();
      send(socket);
      assert.equal((await socket.waitFor(code, isError)).code, code);
      await assertStillServes(socket);
      await socket.close();
    });
  }

  it('answers a frame that is not JSON with bad_json, then closes 4400', async () => {
    const socket = await openReady();
    socket.send('{not json');
    const closed = await socket.closed;
    assert.equal(closed.code, CloseCode.badFrame);
    assert.equal(socket.messages.find(isError)?.code, ErrorCode.badJson);
  });

  it('accepts a frame of exactly the size limit', async () => {
    const socket = await openReady();
    const cid = newCid();
    const order = JSON.stringify({ type: 'order', cid, item: 'edge', qty: 1 });
    socket.send(order + ' '.repeat(MAX_CLIENT_FRAME_BYTES - order.length));
    assert.equal((await socket.waitFor('ack', isAckFor(cid))).status, 'applied');
    await socket.close();
  });

  it('survives all of it: the process still answers and the feed still flows', async () => {
    const socket = await openReady();
    const count = socket.feed().length;
    await socket.waitForFeed(count + 3);
    await socket.close();
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  });
});
