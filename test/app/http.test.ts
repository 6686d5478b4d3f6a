/**
 * HTTP endpoints against a real service process and a real redis-server: login, /api/me with good and
 * bad cookies, logout, health, and the identity headers on every response.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { eventually, get, login, postJson, rawRequest, SESSION_COOKIE } from './helpers.ts';

const PREFIX = 'http:';
const IDENTITY = { 'x-pod': 'pod-http', 'x-color': 'blue', 'x-version': '1.2.3' };
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

let redis: RedisServer;
let app: AppProcess;
let db: Redis;

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
  app = await startApp({
    env: {
      REDIS_URL: redis.url,
      KEY_PREFIX: PREFIX,
      USERS: 'alice:pw1,bob:pw2',
      SYNTHETIC_USERS_PASSWORD: 'synthetic',
      SESSION_TTL_SECONDS: '120',
      POD_NAME: IDENTITY['x-pod'],
      COLOR: IDENTITY['x-color'],
      VERSION: IDENTITY['x-version'],
      DRAIN_SECONDS: '0',
    },
  });
});

after(async () => {
  db?.disconnect();
  await app?.stop();
  await redis?.stop();
});

async function getex(): Promise<number> {
  const stats = await db.info('commandstats');
  return Number(/cmdstat_getex:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe('POST /login', () => {
  it('logs a listed user in: 200, an HttpOnly SameSite=Lax cookie, the session in Redis', async () => {
    const response = await postJson(app, '/login', { username: 'alice', password: 'pw1' });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { user: string; sessionId: string };
    assert.equal(body.user, 'alice');
    assert.match(body.sessionId, SESSION_ID);

    const cookie = response.headers.getSetCookie();
    assert.equal(cookie.length, 1);
    const [pair, ...attributes] = cookie[0]!.split('; ');
    assert.equal(pair, `${SESSION_COOKIE}=${body.sessionId}`);
    assert.deepEqual(attributes.sort(), ['HttpOnly', 'Path=/', 'SameSite=Lax']);

    const key = `${PREFIX}session:${body.sessionId}`;
    const stored = JSON.parse((await db.get(key)) ?? 'null');
    assert.deepEqual(Object.keys(stored).sort(), ['color', 'createdAt', 'pod', 'sessionId', 'user']);
    assert.equal(stored.user, 'alice');
    assert.equal(stored.sessionId, body.sessionId);
    assert.equal(stored.pod, 'pod-http');
    assert.equal(stored.color, 'blue');
    assert.ok(Math.abs(stored.createdAt - Date.now()) < 10_000);
    const ttl = await db.ttl(key);
    assert.ok(ttl > 110 && ttl <= 120, `TTL ${ttl}`);
  });

  it('gives every login a new random session id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await login(app, 'bob', 'pw2')).sessionId);
    assert.equal(ids.size, 20);
  });

  it('logs synthetic users in with the shared password', async () => {
    for (const username of ['zd-user-1', 'zd-user-499', 'zd-user-load.test@x']) {
      const session = await login(app, username, 'synthetic');
      assert.equal(session.user, username);
    }
  });

  it('refuses wrong credentials with 401 JSON', async () => {
    const attempts = [
      { username: 'alice', password: 'pw2' },
      { username: 'alice', password: '' },
      { username: 'carol', password: 'pw1' },
      { username: 'zd-user-1', password: 'wrong' },
      { username: 'zd-user-', password: 'synthetic' },
      { username: 'other-1', password: 'synthetic' },
      { username: 'zd-user-bad name', password: 'synthetic' },
    ];
    for (const attempt of attempts) {
      const response = await postJson(app, '/login', attempt);
      assert.equal(response.status, 401, JSON.stringify(attempt));
      assert.deepEqual(await response.json(), { error: 'invalid username or password' });
      assert.deepEqual(response.headers.getSetCookie(), []);
    }
  });

  it('answers 4xx JSON to a malformed body', async () => {
    const bodies = [
      '{"username":',
      '[]',
      '{"username":"alice"}',
      '{"username":1,"password":2}',
      'null',
      '"x"',
    ];
    for (const body of bodies) {
      const response = await fetch(`${app.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(response.status, 400, body);
      assert.equal(typeof ((await response.json()) as { error: unknown }).error, 'string');
    }
    const form = await fetch(`${app.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'alice' }),
    });
    assert.equal(form.status, 415);
    assert.equal(typeof ((await form.json()) as { error: unknown }).error, 'string');
  });
});

describe('GET /api/me', () => {
  it('returns the user, the session id and the pod that answered', async () => {
    const session = await login(app, 'alice', 'pw1');
    const response = await get(app, '/api/me', session.cookie);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      user: 'alice',
      sessionId: session.sessionId,
      pod: 'pod-http',
      color: 'blue',
      version: '1.2.3',
    });
  });

  it('slides the TTL with EXPIRE and never rewrites the value', async () => {
    const session = await login(app, 'alice', 'pw1');
    const key = `${PREFIX}session:${session.sessionId}`;
    const before = await db.get(key);
    await db.expire(key, 5);
    assert.equal((await get(app, '/api/me', session.cookie)).status, 200);
    const ttl = await db.ttl(key);
    assert.ok(ttl > 110, `TTL after the request: ${ttl}`);
    assert.equal(await db.get(key), before);
  });

  const badCookies: [string, string | undefined, string][] = [
    ['missing', undefined, 'missing session cookie'],
    ['empty', `${SESSION_COOKIE}=`, 'empty session cookie'],
    ['quoted empty', `${SESSION_COOKIE}=""`, 'malformed session cookie'],
    ['only other cookies', 'theme=dark; zd_sessionx=abc', 'missing session cookie'],
    ['too short', `${SESSION_COOKIE}=abc`, 'malformed session cookie'],
    ['too long', `${SESSION_COOKIE}=${'a'.repeat(44)}`, 'malformed session cookie'],
    ['bad characters', `${SESSION_COOKIE}=${'a'.repeat(42)}.`, 'malformed session cookie'],
    ['percent-encoded', `${SESSION_COOKIE}=${'a'.repeat(40)}%2F%2F`, 'malformed session cookie'],
    ['a key pattern', `${SESSION_COOKIE}=*`, 'malformed session cookie'],
    ['unknown', `${SESSION_COOKIE}=${'A'.repeat(43)}`, 'unknown or expired session'],
  ];
  for (const [name, cookie, reason] of badCookies) {
    it(`answers 401 JSON to a ${name} cookie`, async () => {
      const response = await get(app, '/api/me', cookie);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await response.json(), { error: reason });
    });
  }

  it('answers 401 JSON to an expired session', async () => {
    const session = await login(app, 'alice', 'pw1');
    await db.pexpire(`${PREFIX}session:${session.sessionId}`, 1);
    await sleep(20);
    const response = await get(app, '/api/me', session.cookie);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: 'unknown or expired session' });
  });

  it('answers 401 to a session value that is not a session', async () => {
    for (const value of ['null', '{}', 'not json', '{"user":"alice"}']) {
      const id = 'B'.repeat(43);
      await db.set(`${PREFIX}session:${id}`, value, 'EX', 60);
      const response = await get(app, '/api/me', `${SESSION_COOKIE}=${id}`);
      assert.equal(response.status, 401, value);
    }
  });

  it('checks the cookie format before any Redis lookup', async () => {
    const before = await getex();
    for (const [, cookie] of badCookies.slice(0, -1)) await (await get(app, '/api/me', cookie)).arrayBuffer();
    assert.equal(await getex(), before);
    await (await get(app, '/api/me', `${SESSION_COOKIE}=${'C'.repeat(43)}`)).arrayBuffer();
    assert.equal(await getex(), before + 1);
  });
});

describe('POST /logout', () => {
  it('deletes the session, clears the cookie, and the cookie stops working', async () => {
    const session = await login(app, 'alice', 'pw1');
    const response = await postJson(app, '/logout', {}, session.cookie);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { user: 'alice', loggedOut: true });
    const [cleared] = response.headers.getSetCookie();
    assert.match(cleared ?? '', new RegExp(`^${SESSION_COOKIE}=; .*Expires=Thu, 01 Jan 1970`));
    assert.equal(await db.exists(`${PREFIX}session:${session.sessionId}`), 0);
    assert.equal((await get(app, '/api/me', session.cookie)).status, 401);
    assert.equal((await postJson(app, '/logout', {}, session.cookie)).status, 401);
  });

  it('ends only its own session', async () => {
    const first = await login(app, 'bob', 'pw2');
    const second = await login(app, 'bob', 'pw2');
    assert.equal((await postJson(app, '/logout', {}, first.cookie)).status, 200);
    assert.equal((await get(app, '/api/me', second.cookie)).status, 200);
  });

  it('answers 401 without a session', async () => {
    const response = await postJson(app, '/logout', {});
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: 'missing session cookie' });
  });
});

describe('identity headers', () => {
  function assertIdentity(headers: Headers | Record<string, string | string[] | undefined>, what: string) {
    for (const [name, value] of Object.entries(IDENTITY)) {
      const actual = headers instanceof Headers ? headers.get(name) : headers[name];
      assert.equal(actual, value, `${name} on ${what}`);
    }
  }

  it('are on every HTTP response: 2xx, 4xx, 404, 415', async () => {
    const session = await login(app, 'alice', 'pw1');
    const responses: [string, Response][] = [
      ['healthz', await get(app, '/healthz')],
      ['readyz', await get(app, '/readyz')],
      ['login 200', await postJson(app, '/login', { username: 'alice', password: 'pw1' })],
      ['login 401', await postJson(app, '/login', { username: 'alice', password: 'no' })],
      ['login 400', await postJson(app, '/login', 'x')],
      ['login 415', await fetch(`${app.url}/login`, { method: 'POST', body: 'x' })],
      ['me 200', await get(app, '/api/me', session.cookie)],
      ['me 401', await get(app, '/api/me')],
      ['logout 401', await postJson(app, '/logout', {})],
      ['logout 200', await postJson(app, '/logout', {}, session.cookie)],
      ['404', await get(app, '/nowhere')],
      ['405-ish 404', await fetch(`${app.url}/api/me`, { method: 'DELETE' })],
      ['/ws without upgrade', await get(app, '/ws')],
    ];
    for (const [what, response] of responses) {
      assertIdentity(response.headers, what);
      await response.arrayBuffer();
    }
  });

  it('are on the 400 for a request Node cannot parse', async () => {
    const response = await rawRequest(app.port, 'GET /api/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    assert.equal(response.status, 400);
    assertIdentity(response.headers, 'parser 400');
  });

  it('are on the WebSocket upgrade response, authenticated or not', async () => {
    const session = await login(app, 'alice', 'pw1');
    for (const cookie of [session.cookie, undefined]) {
      const socket = new WebSocket(`${app.wsUrl}/ws`, { headers: cookie ? { cookie } : {} });
      const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        socket.once('upgrade', (response) => resolve(response.headers));
        socket.once('error', reject);
      });
      assertIdentity(headers, `upgrade ${cookie ? 'with' : 'without'} a session`);
      socket.terminate();
    }
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 while Redis answers', async () => {
    const health = await get(app, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await get(app, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('without Redis: /readyz 503, /healthz 200, session routes 503 (not 500), bad cookies still 401', async () => {
    const lonelyRedis = await startRedis();
    const lonely = await startApp({
      env: { REDIS_URL: lonelyRedis.url, USERS: 'alice:pw1', DRAIN_SECONDS: '0' },
    });
    try {
      const session = await login(lonely, 'alice', 'pw1');
      await lonelyRedis.stop();
      await eventually('/readyz to answer 503', async () => (await get(lonely, '/readyz')).status === 503);
      assert.deepEqual(await (await get(lonely, '/readyz')).json(), { status: 'redis unavailable' });
      assert.equal((await get(lonely, '/healthz')).status, 200);
      const me = await get(lonely, '/api/me', session.cookie);
      assert.equal(me.status, 503);
      assert.deepEqual(await me.json(), { error: 'session store unavailable' });
      assert.equal((await postJson(lonely, '/login', { username: 'alice', password: 'pw1' })).status, 503);
      assert.equal((await get(lonely, '/api/me', `${SESSION_COOKIE}=bad`)).status, 401);
      lonely.signal('SIGTERM');
      assert.equal((await lonely.waitForExit(10_000)).code, 0, lonely.output());
    } finally {
      await lonely.stop();
      await lonelyRedis.stop();
    }
  });
});
