/**
 * Fuzzing with random and hostile input from a seeded PRNG (FUZZ_SEED overrides the default seed; the
 * seed is in each test's name, so a failure can be replayed). Bounded in count and time.
 *
 * - Cookie headers, sent as raw bytes to /api/me, /logout and /ws (plain and upgrade): never a 5xx.
 * - WebSocket frames: each is answered by an error (or, for a valid order, an ack); only garbage closes
 *   the socket (4400, or 1007 for invalid UTF-8 text); never an unparsable reply.
 * - In process: the frame parser and the session id check never throw.
 * The service process must be alive and serving afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import * as v from 'valibot';
import { parseClientFrame } from '../../app/src/frames.ts';
import { ClientMessage, CloseCode, ErrorCode, MAX_CLIENT_FRAME_BYTES } from '../../app/src/protocol.ts';
import { isSessionId } from '../../app/src/sessions.ts';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import {
  get,
  isAckFor,
  isHello,
  type Login,
  login,
  rawRequest,
  SESSION_COOKIE,
  TestSocket,
} from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const CASES = 2000;
const TIME_LIMIT_MS = 60_000;

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(0, 255)));
  const text = (length: number, alphabet: string) =>
    Array.from({ length }, () => alphabet[int(0, alphabet.length - 1)]).join('');
  return { next, int, pick, bytes, text };
}
type Prng = ReturnType<typeof prng>;

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HOSTILE = [
  '%',
  '%00',
  '%E0%A4%A',
  '%%',
  '"',
  ';',
  ',',
  '=',
  '\\',
  '\t',
  ' ',
  'é',
  '😀',
  '\u2028',
  '$',
  '*',
];

/** A Cookie header value (bytes, possibly invalid in a header). */
function cookieValue(r: Prng, valid: Login): Buffer {
  const id = () => r.text(r.pick([0, 1, 42, 43, 44, r.int(0, 80)]), BASE64URL);
  const sessionPart = () => `${SESSION_COOKIE}=${r.pick([id(), valid.sessionId, ''])}`;
  const kinds: (() => string | Buffer)[] = [
    () => r.text(r.int(0, 120), PRINTABLE),
    () => `${SESSION_COOKIE}=${id()}`,
    () => Buffer.concat([Buffer.from(`${SESSION_COOKIE}=`), r.bytes(r.int(0, 60))]),
    () => `${'a=1; '.repeat(r.int(1, 200))}${sessionPart()}`,
    () => `${SESSION_COOKIE}=${id()}; ${SESSION_COOKIE}=${valid.sessionId}`,
    () => `${SESSION_COOKIE}=${Array.from({ length: r.int(1, 8) }, () => r.pick(HOSTILE)).join('')}${id()}`,
    () => `${SESSION_COOKIE}="${id()}"`,
    () => `${SESSION_COOKIE}=${'A'.repeat(r.int(1000, 20_000))}`,
    () => `__proto__=${id()}; constructor=x; toString=1; ${sessionPart()}`,
    () => `${r.pick([' ', '\t', ''])}${SESSION_COOKIE}${r.pick([' ', ''])}=${r.pick([' ', ''])}${id()}`,
    () => `${SESSION_COOKIE}=${valid.sessionId.slice(0, 42)}${r.pick(HOSTILE)}`,
    () => r.pick(HOSTILE).repeat(r.int(1, 50)),
  ];
  const value = r.pick(kinds)();
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** A whole request carrying that Cookie header to one of the session routes. */
function cookieRequest(r: Prng, valid: Login): { request: Buffer; upgrade: boolean } {
  const cookie = cookieValue(r, valid);
  const target = r.pick(['GET /api/me', 'POST /logout', 'GET /ws', 'UPGRADE /ws']);
  const upgrade = target === 'UPGRADE /ws';
  const head = upgrade
    ? 'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    : `${target} HTTP/1.1\r\n${target.startsWith('POST') ? 'Content-Length: 0\r\n' : ''}`;
  const cookies = r.next() < 0.1 ? [cookie, cookieValue(r, valid)] : [cookie];
  const request = Buffer.concat([
    Buffer.from(`${head}Host: 127.0.0.1\r\nConnection: close\r\n`),
    ...cookies.flatMap((value) => [Buffer.from('Cookie: '), value, Buffer.from('\r\n')]),
    Buffer.from('\r\n'),
  ]);
  return { request, upgrade };
}

/** A random JSON value, up to `depth` levels deep. */
function jsonValue(r: Prng, depth: number): unknown {
  const scalars = [null, true, false, 0, -1, 1.5, 1e308, '', 'order', r.text(r.int(0, 20), PRINTABLE)];
  if (depth <= 0 || r.next() < 0.5) return r.pick(scalars);
  if (r.next() < 0.5) return Array.from({ length: r.int(0, 4) }, () => jsonValue(r, depth - 1));
  return Object.fromEntries(
    Array.from({ length: r.int(0, 4) }, () => [
      r.pick(['type', 'cid', 'item', 'qty', 'x', '']),
      jsonValue(r, depth - 1),
    ]),
  );
}

/** A near-valid order: each field valid, borderline or hostile. */
function orderLike(r: Prng): string {
  const fields: Record<string, unknown> = {
    type: r.pick(['order', 'order', 'Order', 'ack', '', 1]),
    cid: r.pick([
      `fz-${r.text(r.int(5, 61), BASE64URL)}`,
      r.text(r.int(0, 70), BASE64URL),
      `fz-${r.text(8, PRINTABLE)}`,
      '😀😀😀😀😀😀😀😀',
      7,
    ]),
    item: r.pick(['widget', '', 'x'.repeat(64), 'x'.repeat(65), r.text(r.int(0, 80), PRINTABLE), null]),
    qty: r.pick([1, 1000, 0, 1001, -1, 1.5, '1', null, 1e308, [], {}]),
  };
  for (const key of Object.keys(fields)) if (r.next() < 0.1) delete fields[key];
  if (r.next() < 0.1) fields.extra = jsonValue(r, 2);
  const json = JSON.stringify(fields);
  return r.next() < 0.05 ? json.replace('{', '{"__proto__":{"polluted":true},') : json;
}

interface Frame {
  readonly data: Buffer | string;
  readonly binary: boolean;
}

function frame(r: Prng): Frame {
  const kinds: (() => Frame)[] = [
    () => ({ data: r.bytes(r.int(0, 100)), binary: true }),
    () => ({ data: r.text(r.int(0, 100), PRINTABLE), binary: false }),
    () => ({ data: JSON.stringify(jsonValue(r, 4)) ?? 'null', binary: false }),
    () => ({ data: orderLike(r), binary: false }),
    () => ({ data: orderLike(r), binary: false }),
    () => ({
      data: 'x'.repeat(r.int(MAX_CLIENT_FRAME_BYTES + 1, MAX_CLIENT_FRAME_BYTES * 2)),
      binary: false,
    }),
    () => ({ data: r.pick(['[', '{"a":']).repeat(r.int(100, 5000)), binary: false }),
    () => ({ data: Buffer.concat([Buffer.from('{"type":"'), r.bytes(r.int(1, 10))]), binary: false }),
  ];
  return r.pick(kinds)();
}

/** The cid of a frame the service must accept as an order, or null. */
function validOrderCid(data: Buffer | string, binary: boolean): string | null {
  if (binary || Buffer.byteLength(data) > MAX_CLIENT_FRAME_BYTES) return null;
  try {
    const parsed = v.safeParse(ClientMessage, JSON.parse(data.toString()));
    return parsed.success ? parsed.output.cid : null;
  } catch {
    return null;
  }
}

let redis: RedisServer;
let app: AppProcess;
let db: Redis;
let alice: Login;

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
  app = await startApp({
    env: { REDIS_URL: redis.url, USERS: 'alice:pw1', DRAIN_SECONDS: '0', LOG_LEVEL: 'warn' },
  });
  alice = await login(app, 'alice', 'pw1');
});

after(async () => {
  db?.disconnect();
  await app?.stop();
  await redis?.stop();
});

async function assertServiceHealthy(): Promise<void> {
  assert.equal(app.output().match(/"level":(5|6)0/g), null, 'no error or fatal log lines');
  assert.equal((await get(app, '/healthz')).status, 200);
  assert.equal((await get(app, '/api/me', alice.cookie)).status, 200);
}

describe('fuzzing', () => {
  it(`cookie headers (seed ${SEED}, ${CASES} requests): never a 5xx, never a crash`, async () => {
    const r = prng(SEED);
    // Some cases carry this live session (and may log it out): 200 is a fine answer to those.
    const victim = await login(app, 'alice', 'pw1');
    const deadline = Date.now() + TIME_LIMIT_MS;
    const seen = new Map<number, number>();
    const BATCH = 8;
    for (let done = 0; done < CASES && Date.now() < deadline; done += BATCH) {
      const cases = Array.from({ length: Math.min(BATCH, CASES - done) }, () => cookieRequest(r, victim));
      const responses = await Promise.all(cases.map(({ request }) => rawRequest(app.port, request)));
      responses.forEach((response, index) => {
        const sent = JSON.stringify(cases[index]!.request.toString('latin1').slice(0, 300));
        assert.ok(
          [101, 200, 400, 401, 404, 431].includes(response.status),
          `HTTP ${response.status} for ${sent}`,
        );
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
      });
    }
    assert.equal(
      [...seen.values()].reduce((a, b) => a + b, 0),
      CASES,
      'all cases ran within the time limit',
    );
    assert.ok((seen.get(401) ?? 0) > CASES / 4, `statuses ${JSON.stringify([...seen])}`);
    await assertServiceHealthy();
  });

  it(`WebSocket frames (seed ${SEED}, ${CASES} frames): an error or an ack each, garbage closes 4400`, async () => {
    const r = prng(SEED + 1);
    const deadline = Date.now() + TIME_LIMIT_MS;
    let socket = await TestSocket.open(app, alice.cookie);
    await socket.waitFor('hello', isHello);
    let probes = 0;
    let reconnects = 0;
    let sent = 0;
    for (; sent < CASES && Date.now() < deadline; sent++) {
      const fuzz = frame(r);
      const from = socket.messages.length;
      socket.send(fuzz.data, { binary: fuzz.binary });
      const probe = `probe-${SEED}-${probes++}`;
      socket.sendJson({ type: 'order', cid: probe, item: 'probe', qty: 1 });
      const what = JSON.stringify(fuzz.data.toString().slice(0, 200));
      try {
        await socket.waitFor('the probe ack', isAckFor(probe), 5000, from);
      } catch {
        const closed = await socket.closed;
        const errors = socket.messages.slice(from).filter((m) => m.type === 'error');
        if (closed.code === CloseCode.badFrame) assert.equal(errors[0]?.code, ErrorCode.badJson, what);
        else assert.equal(closed.code, 1007, `closed ${closed.code} after ${what}`);
        socket = await TestSocket.open(app, alice.cookie);
        await socket.waitFor('hello', isHello);
        reconnects++;
        continue;
      }
      const replies = socket.messages
        .slice(from)
        .filter((m) => m.type !== 'feed' && !(m.type === 'ack' && m.cid === probe));
      const cid = validOrderCid(fuzz.data, fuzz.binary);
      if (cid) {
        assert.equal(replies.length, 1, what);
        assert.equal(replies[0]?.type === 'ack' && replies[0].cid, cid, what);
      } else {
        assert.equal(replies.length, 1, `${what}: ${JSON.stringify(replies)}`);
        assert.equal(replies[0]?.type, 'error', what);
      }
    }
    assert.equal(sent, CASES, 'all frames ran within the time limit');
    assert.deepEqual(socket.unparsable, []);
    assert.ok(reconnects > 0, 'some garbage closed the socket');
    await socket.close();
    const counts = await db.hvals('zd:orders:applied');
    assert.ok(
      counts.every((count) => count === '1'),
      'every order applied exactly once',
    );
    await assertServiceHealthy();
  });

  it(`the frame parser and the session id check, in process (seed ${SEED}, ${CASES * 5} inputs), never throw`, () => {
    const r = prng(SEED + 2);
    for (let i = 0; i < CASES * 5; i++) {
      const fuzz = frame(r);
      const data = typeof fuzz.data === 'string' ? Buffer.from(fuzz.data) : fuzz.data;
      const fragments =
        r.next() < 0.1 ? [data.subarray(0, data.length / 2), data.subarray(data.length / 2)] : null;
      const parsed = parseClientFrame(fragments ?? data, fuzz.binary);
      assert.equal(parsed.ok ? parsed.message.cid : null, validOrderCid(data, fuzz.binary));
      const value = cookieValue(r, { user: 'alice', sessionId: 'A'.repeat(43), cookie: '' }).toString(
        'latin1',
      );
      assert.equal(isSessionId(value), /^[A-Za-z0-9_-]{43}$/.test(value));
    }
  });
});
