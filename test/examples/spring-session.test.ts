/**
 * examples/spring-session (Spring Boot 3.5, Spring Session Data Redis, a plain WebSocket feed) against a real
 * redis-server: each instance is the built jar run with `java` as a child process. The jar and its CDS archive
 * come from examples/install.sh (`make examples`), run first when they are missing or stale.
 *
 * Eight JVMs share one Redis: healthy `a` and `b`, one per fault (two for double-apply). They all start at once in
 * before(); each test waits for the instances it needs. JVM options keep them small and quick to start: C1 only,
 * and Spring Boot's documented class data sharing (the extracted jar and the archive install.sh trains under
 * target/cds), which cuts each start's CPU time by about 40 %.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { freePort } from '../support/free-port.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/spring-session', import.meta.url));
const INSTALL = fileURLToPath(new URL('../../examples/install.sh', import.meta.url));
const JAR = `${EXAMPLE_DIR}/target/spring-session-example.jar`;
const CDS_DIR = `${EXAMPLE_DIR}/target/cds`;
const CDS_JAR = `${CDS_DIR}/app/spring-session-example.jar`;
const CDS_ARCHIVE = `${CDS_DIR}/app.jsa`;
const JAVA_OPTS = ['-Xmx256m', '-Xss512k', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const PASSWORD = 'test-pw';
const READY_TIMEOUT_MS = 240_000; // eight JVMs starting at once on a loaded 2-core machine
const RESUME_WAIT_MS = 300;
const OUTPUT_LIMIT = 200_000;

interface Service {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly spawnedAt: number;
  readyAfterMs?: number;
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The command line: the CDS-backed extracted jar when the archive exists, else the jar as built. */
function javaArgs(): string[] {
  return existsSync(CDS_ARCHIVE)
    ? [...JAVA_OPTS, `-XX:SharedArchiveFile=${CDS_ARCHIVE}`, '-jar', CDS_JAR]
    : [...JAVA_OPTS, '-jar', JAR];
}

function spawnService(name: string, port: number, env: Record<string, string>): Service {
  const spawnedAt = Date.now();
  const child = spawn('java', javaArgs(), {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      POD_NAME: name,
      USER_PASSWORD: PASSWORD,
      FEED_INTERVAL_MS: '100',
      FEED_RESUME_WAIT_MS: String(RESUME_WAIT_MS),
      DRAIN_MS: '1000',
      SESSION_TIMEOUT: '60s',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws/stream`,
    child,
    exited,
    spawnedAt,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves once /actuator/health/readiness answers 200 from this instance (X-Instance-Id = its name). */
async function ready(service: Service): Promise<Service> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitedEarly = false;
  void service.exited.then(() => {
    exitedEarly = true;
  });
  while (Date.now() < deadline && !exitedEarly) {
    try {
      const res = await fetch(`${service.url}/actuator/health/readiness`, {
        signal: AbortSignal.timeout(2000),
      });
      if (res.status === 200 && res.headers.get('x-instance-id') === service.name) {
        service.readyAfterMs = Date.now() - service.spawnedAt;
        return service;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${service.name} not ready (exited: ${exitedEarly}):\n${service.output().slice(-5000)}`);
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

function cookieOf(res: Response, name: string): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0] ?? '';
    if (pair.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

function post(service: Service, path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
}

function get(service: Service, path: string, cookie?: string): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    headers: cookie ? { cookie } : {},
    signal: AbortSignal.timeout(5000),
  });
}

/** Logs in and returns the `SESSION=…` pair for a Cookie header. */
async function login(service: Service, username: string): Promise<string> {
  const res = await post(service, '/auth/login', { username, password: PASSWORD });
  assert.equal(res.status, 200, `login ${username} on ${service.name}`);
  const cookie = cookieOf(res, 'SESSION');
  assert.ok(cookie, `SESSION cookie from ${service.name}`);
  return cookie;
}

function sessionKey(cookie: string): string {
  const id = Buffer.from(cookie.slice('SESSION='.length), 'base64').toString('utf8');
  return `spring:session:sessions:${id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket

interface Frame {
  type: string;
  [key: string]: unknown;
}
interface EventFrame extends Frame {
  type: 'EVENT';
  sequence: number;
  timestamp: number;
  payload: Record<string, unknown>;
}

class Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  readonly socket: WebSocket;

  constructor(url: string, cookie?: string) {
    this.socket = new WebSocket(url, { headers: cookie ? { cookie } : {} });
    this.socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      this.socket.once('error', reject);
    });
  }

  static async open(service: Service, cookie: string, resumeAfter?: number): Promise<Client> {
    const client = new Client(service.wsUrl, cookie);
    await withTimeout(client.opened, 5000, `open ${service.wsUrl}`);
    if (resumeAfter !== undefined) client.send({ type: 'RESUME', afterSequence: resumeAfter });
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  events(): EventFrame[] {
    return this.frames.filter((f): f is EventFrame => f.type === 'EVENT');
  }

  async next(what: string, match: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const find = () => this.frames.slice(from).find(match);
    await eventually(what, () => find() !== undefined, timeoutMs);
    return find()!;
  }

  async eventsUntil(sequence: number, timeoutMs = 5000): Promise<EventFrame[]> {
    await eventually(`event ${sequence}`, () => this.events().some((e) => e.sequence >= sequence), timeoutMs);
    return this.events();
  }

  close(): void {
    this.socket.close(1000);
  }
}

class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function assertContiguous(events: EventFrame[], what: string): void {
  const sequences = events.map((e) => e.sequence);
  sequences.forEach((sequence, i) => {
    if (i > 0) assert.equal(sequence, sequences[i - 1]! + 1, `${what}: ${sequences[i - 1]} → ${sequence}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------

let redis: RedisServer;
let db: Redis;
const started: Service[] = [];
const instances = new Map<string, Promise<Service>>();

function instance(name: string): Promise<Service> {
  const service = instances.get(name);
  if (!service) throw new Error(`no instance ${name}`);
  return service;
}

before(async () => {
  // The jar and its class data sharing archive, built as `make examples` builds them (one home for both).
  const build = spawnSync('bash', [INSTALL], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(build.status, 0, `examples/install.sh failed:\n${build.stdout}\n${build.stderr}`);
  redis = await startRedis();
  db = new Redis(redis.url);
  const layout: [string, Record<string, string>][] = [
    ['a', {}],
    ['b', { DRAIN_MS: '2000' }],
    ['memory', { FAULT: 'memory-sessions' }],
    ['noreplay', { FAULT: 'no-replay' }],
    ['abrupt', { FAULT: 'abrupt-exit', DRAIN_MS: '3000' }],
    ['logout', { FAULT: 'logout-keeps-session' }],
    ['double1', { FAULT: 'double-apply' }],
    ['double2', { FAULT: 'double-apply' }],
  ];
  for (const [name, env] of layout) {
    const service = spawnService(name, await freePort(), { REDIS_URL: redis.url, ...env });
    started.push(service);
    const whenReady = ready(service);
    whenReady.catch(() => {}); // reported by the test that awaits it
    instances.set(name, whenReady);
  }
});

after(async () => {
  const times = started.map((s) => `${s.name} ${s.readyAfterMs ?? '-'} ms`).join(', ');
  console.log(`ready after: ${times}${existsSync(CDS_ARCHIVE) ? ' (CDS)' : ''}`);
  db?.disconnect();
  await Promise.all(started.map((service) => service.stop()));
  await redis?.stop();
});

describe('healthy', () => {
  it('login, me, logout with the SESSION cookie; the session is a Redis hash with a sliding TTL', async () => {
    const a = await instance('a');
    const cookie = await login(a, 'alice');
    assert.match(cookie, /^SESSION=[A-Za-z0-9+/]{48}$/);
    const key = sessionKey(cookie);
    assert.match(key, /^spring:session:sessions:[0-9a-f-]{36}$/);
    assert.equal(await db.type(key), 'hash');
    assert.deepEqual((await db.hkeys(key)).sort(), [
      'creationTime',
      'lastAccessedTime',
      'maxInactiveInterval',
      'sessionAttr:user',
    ]);
    // JDK serialization of the String "alice": AC ED 00 05, TC_STRING 74, length 0005, bytes.
    const user = await db.hgetBuffer(key, 'sessionAttr:user');
    assert.equal(user?.toString('hex'), `aced0005740005${Buffer.from('alice').toString('hex')}`);

    const me = await get(a, '/auth/me', cookie);
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('x-instance-id'), 'a');
    assert.deepEqual(await me.json(), { name: 'alice' });

    // Sliding: the TTL (SESSION_TIMEOUT=60s) goes down, then back up when the session is used.
    await sleep(1200);
    const before = await db.pttl(key);
    assert.ok(before > 0 && before <= 59_000, `pttl ${before}`);
    assert.equal((await get(a, '/auth/me', cookie)).status, 200);
    const afterUse = await db.pttl(key);
    assert.ok(afterUse > 59_000 && afterUse <= 60_000, `pttl after use ${afterUse}`);

    const logout = await post(a, '/auth/logout', undefined, cookie);
    assert.equal(logout.status, 204);
    assert.match(logout.headers.getSetCookie().join('\n'), /SESSION=;.*Max-Age=0/);
    assert.equal(await db.exists(key), 0);
    const afterLogout = await get(a, '/auth/me', cookie);
    assert.equal(afterLogout.status, 401);
    assert.deepEqual(await afterLogout.json(), { error: 'unauthenticated' });
  });

  it('refuses wrong credentials and requests without a session with 401', async () => {
    const a = await instance('a');
    const wrong = await post(a, '/auth/login', { username: 'alice', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('x-instance-id'), 'a');
    assert.equal(cookieOf(wrong, 'SESSION'), undefined);
    assert.equal((await post(a, '/auth/login', { username: 'Alice!', password: PASSWORD })).status, 401);
    assert.equal((await get(a, '/auth/me')).status, 401);
    assert.equal((await get(a, '/auth/me', 'SESSION=bm90LWEtc2Vzc2lvbg==')).status, 401);
    assert.equal((await post(a, '/auth/logout', undefined)).status, 401);
  });

  it('a second instance reads the session', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const cookie = await login(a, 'bob');
    const me = await get(b, '/auth/me', cookie);
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('x-instance-id'), 'b');
    assert.deepEqual(await me.json(), { name: 'bob' });
  });

  it('requests racing their session’s logout get 200 or 401, never a 500 or a cut connection', async () => {
    // Each round logs in, then sends three /auth/me beside the logout, spread over both instances (as
    // zerodrop's logout flow does). Without session/ (the safe mapper and InvalidatedSessionFilter) about a
    // fifth of these requests failed: "Session was invalidated" (500, or a body cut off after the 200), and
    // stubs without creationTime that answered every later request with 500.
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    /** The status, or the error of a connection cut before or during the body. */
    const outcome = async (res: Promise<Response>): Promise<string> => {
      try {
        const r = await res;
        await r.arrayBuffer(); // a body cut off mid-way rejects here
        return String(r.status);
      } catch (error) {
        const { message, cause } = error as Error & { cause?: Error };
        return `error ${cause?.message ?? message}`;
      }
    };
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    const stale: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, user) => {
        for (let round = 0; round < 5; round++) {
          const [one, other] = (user + round) % 2 === 0 ? [a, b] : [b, a];
          const cookie = await login(one, `racer-${user}`);
          const [before, logout, ...after] = await Promise.all([
            outcome(get(other, '/auth/me', cookie)),
            outcome(post(one, '/auth/logout', undefined, cookie)),
            outcome(get(other, '/auth/me', cookie)),
            outcome(get(one, '/auth/me', cookie)),
          ]);
          for (const status of [before, ...after]) count(`me ${status}`);
          count(`logout ${logout}`);
          count(`old cookie ${await outcome(get(other, '/auth/me', cookie))}`);
          if ((await db.exists(sessionKey(cookie))) === 1) stale.push(sessionKey(cookie));
        }
      }),
    );
    const unexpected = [...seen].filter(([what]) => !/^(me (200|401)|logout 204|old cookie 401)$/.test(what));
    assert.deepEqual(unexpected, [], JSON.stringify(Object.fromEntries(seen)));
    assert.deepEqual(stale, [], 'no logged-out session is left in Redis after its old cookie was refused');
  });

  it('a stub without creationTime (a save that lost the race) is refused with 401 and deleted', async () => {
    const a = await instance('a');
    const cookie = await login(a, 'stubby');
    const key = sessionKey(cookie);
    // What RedisSessionRepository's HSET of a late lastAccessedTime leaves after the key was deleted.
    await db.hdel(key, 'creationTime', 'maxInactiveInterval', 'sessionAttr:user');
    assert.deepEqual(await db.hkeys(key), ['lastAccessedTime']);
    const me = await get(a, '/auth/me', cookie);
    assert.equal(me.status, 401);
    assert.deepEqual(await me.json(), { error: 'unauthenticated' });
    assert.equal(await db.exists(key), 0);
  });

  it('refuses the WebSocket upgrade without a logged-in session with 401', async () => {
    const a = await instance('a');
    const anonymous = new Client(a.wsUrl);
    const refused = await withTimeout(
      anonymous.opened.then(
        () => null,
        (err) => err,
      ),
      5000,
      'refusal',
    );
    assert.ok(refused instanceof UpgradeRefused);
    assert.equal(refused.status, 401);
    const cookie = await login(a, 'carol');
    await post(a, '/auth/logout', undefined, cookie);
    const loggedOut = new Client(a.wsUrl, cookie);
    const refusedToo = await withTimeout(
      loggedOut.opened.then(
        () => null,
        (err) => err,
      ),
      5000,
      'refusal',
    );
    assert.equal(refusedToo?.status, 401);
  });

  it('greets the user, streams a contiguous feed, answers unknown frames with ERROR', async () => {
    const a = await instance('a');
    const client = await Client.open(a, await login(a, 'dave'));
    try {
      const greeting = await client.next('greeting', () => true);
      assert.deepEqual(greeting, { type: 'CONNECTED', principal: 'dave', instance: 'a' });
      const first = (await client.next('first event', (f) => f.type === 'EVENT')) as EventFrame;
      const events = await client.eventsUntil(first.sequence + 10);
      assertContiguous(events, 'feed');
      for (const event of events) {
        assert.equal(typeof event.timestamp, 'number');
        assert.ok(Math.abs(Date.now() - event.timestamp) < 60_000);
        assert.equal(event.payload.symbol, 'ACME');
      }
      client.send({ type: 'HELLO' });
      const error = await client.next('error', (f) => f.type === 'ERROR');
      assert.match(String(error.message), /unknown message type/);
      client.send({ type: 'RESUME', afterSequence: 1 });
      const late = await client.next('late resume', (f) => f.type === 'ERROR' && f !== error);
      assert.equal(late.message, 'RESUME must be the first message');
      // The feed is stored as a stream with ids <sequence>-0.
      const [entry] = await db.xrange('feed:events', `${first.sequence}-0`, `${first.sequence}-0`);
      assert.deepEqual(entry?.[1].slice(0, 4), [
        'sequence',
        String(first.sequence),
        'timestamp',
        String(first.timestamp),
      ]);
    } finally {
      client.close();
    }
  });

  it('resumes on another instance with no gap and no duplicate', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const cookie = await login(a, 'erin');
    const first = await Client.open(a, cookie);
    const firstEvent = (await first.next('event', (f) => f.type === 'EVENT')) as EventFrame;
    await first.eventsUntil(firstEvent.sequence + 3);
    first.close();
    await first.closed;
    const seen = first.events();
    const last = seen.at(-1)!.sequence;
    await sleep(700); // events go by while the client is away
    const second = await Client.open(b, cookie, last);
    try {
      const greeting = await second.next('greeting', () => true);
      assert.equal(greeting.instance, 'b');
      const resumed = await second.eventsUntil(last + 15);
      assert.equal(resumed[0]?.sequence, last + 1, 'the first event after RESUME is the next one');
      assertContiguous(resumed, 'resumed feed');
    } finally {
      second.close();
    }
  });

  it('applies an order once: APPLIED, then ALREADY_APPLIED from the other instance', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const cookie = await login(a, 'frank');
    const orderId = `order-${Date.now()}`;
    const order = { type: 'ORDER', orderId, item: 'widget', quantity: 2 };
    const onA = await Client.open(a, cookie);
    onA.send(order);
    const ack = await onA.next('ack', (f) => f.type === 'ORDER_RESULT');
    assert.deepEqual(ack, { type: 'ORDER_RESULT', orderId, outcome: 'APPLIED' });
    onA.send({ type: 'ORDER', orderId: '', item: 'widget', quantity: 0 });
    const invalid = await onA.next('invalid order', (f) => f.type === 'ERROR');
    assert.match(String(invalid.message), /ORDER needs/);
    onA.close();

    const onB = await Client.open(b, cookie);
    try {
      onB.send(order);
      const again = await onB.next('ack', (f) => f.type === 'ORDER_RESULT');
      assert.deepEqual(again, { type: 'ORDER_RESULT', orderId, outcome: 'ALREADY_APPLIED' });
    } finally {
      onB.close();
    }
    assert.equal(await db.get(`orders:dedupe:${orderId}`), 'frank');
    const stored = JSON.parse((await db.hget('orders:applied:frank', orderId)) ?? '{}');
    assert.equal(stored.orderId, orderId);
    assert.equal(stored.quantity, 2);
    assert.equal(stored.instance, 'a');
  });
});

describe('faults', () => {
  it('memory-sessions: the session lives in the JVM (JSESSIONID); another instance answers 401', async () => {
    const [memory, a] = await Promise.all([instance('memory'), instance('a')]);
    const keysBefore = await db.keys('spring:session:sessions:*');
    const res = await post(memory, '/auth/login', { username: 'gina', password: PASSWORD });
    assert.equal(res.status, 200);
    assert.equal(cookieOf(res, 'SESSION'), undefined);
    const cookie = cookieOf(res, 'JSESSIONID');
    assert.ok(cookie, 'JSESSIONID cookie');
    assert.equal((await get(memory, '/auth/me', cookie)).status, 200);
    assert.equal((await get(a, '/auth/me', cookie)).status, 401);
    assert.deepEqual((await db.keys('spring:session:sessions:*')).sort(), keysBefore.sort());
    // The WebSocket works on the same instance only.
    const client = await Client.open(memory, cookie);
    assert.equal((await client.next('greeting', () => true)).principal, 'gina');
    client.close();
  });

  it('no-replay: RESUME is ignored, the resumed client misses the events in between', async () => {
    const [a, noreplay] = await Promise.all([instance('a'), instance('noreplay')]);
    const cookie = await login(a, 'hank');
    const first = await Client.open(a, cookie);
    const event = (await first.next('event', (f) => f.type === 'EVENT')) as EventFrame;
    const last = event.sequence;
    first.close();
    await sleep(800);
    const second = await Client.open(noreplay, cookie, last);
    try {
      const resumed = (await second.next('event', (f) => f.type === 'EVENT')) as EventFrame;
      assert.ok(resumed.sequence > last + 3, `gap expected: resumed after ${last} at ${resumed.sequence}`);
    } finally {
      second.close();
    }
  });

  it('double-apply: an order resent to another instance is applied again', async () => {
    const [one, two] = await Promise.all([instance('double1'), instance('double2')]);
    const cookie = await login(one, 'ivan');
    const orderId = `order-${Date.now()}`;
    const order = { type: 'ORDER', orderId, item: 'widget', quantity: 1 };
    const first = await Client.open(one, cookie);
    first.send(order);
    first.send(order);
    const acks = () => first.frames.filter((f) => f.type === 'ORDER_RESULT').map((f) => f.outcome);
    await eventually('two acks', () => acks().length === 2);
    assert.deepEqual(acks(), ['APPLIED', 'ALREADY_APPLIED']); // same instance: its memory dedupes
    first.close();
    const second = await Client.open(two, cookie);
    try {
      second.send(order);
      const ack = await second.next('ack', (f) => f.type === 'ORDER_RESULT');
      assert.equal(ack.outcome, 'APPLIED');
    } finally {
      second.close();
    }
    assert.equal(await db.exists(`orders:dedupe:${orderId}`), 0);
    assert.equal(JSON.parse((await db.hget('orders:applied:ivan', orderId)) ?? '{}').instance, 'double2');
  });

  it('logout-keeps-session: the cookie is cleared but the old one still works everywhere', async () => {
    const [logout, a] = await Promise.all([instance('logout'), instance('a')]);
    const cookie = await login(logout, 'judy');
    const res = await post(logout, '/auth/logout', undefined, cookie);
    assert.equal(res.status, 204);
    assert.match(res.headers.getSetCookie().join('\n'), /SESSION=;.*Max-Age=0/);
    assert.equal(await db.exists(sessionKey(cookie)), 1);
    assert.equal((await get(logout, '/auth/me', cookie)).status, 200);
    assert.equal((await get(a, '/auth/me', cookie)).status, 200);
  });

  it('abrupt-exit: SIGTERM drops the sockets without a close frame (1006) and exits at once', async () => {
    const abrupt = await instance('abrupt');
    const client = await Client.open(abrupt, await login(abrupt, 'kate'));
    await client.next('greeting', () => true);
    const t0 = Date.now();
    abrupt.child.kill('SIGTERM');
    const closed = await withTimeout(client.closed, 5000, 'socket drop');
    assert.equal(closed.code, 1006);
    const exit = await withTimeout(abrupt.exited, 5000, 'exit');
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - t0 < 2000, `exited after ${Date.now() - t0} ms, no drain (DRAIN_MS=3000)`);
  });
});

describe('graceful shutdown (healthy)', () => {
  it('SIGTERM: readiness 503 at once, HTTP served while draining, WebSockets closed with 1001, JVM exits', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const cookie = await login(b, 'leo');
    const onB = await Client.open(b, cookie);
    const watcher = await Client.open(a, cookie); // watches the feed through b's shutdown
    await onB.next('event', (f) => f.type === 'EVENT');
    await watcher.next('event', (f) => f.type === 'EVENT');
    const t0 = Date.now();
    b.child.kill('SIGTERM');
    await eventually(
      'readiness 503',
      async () => (await get(b, '/actuator/health/readiness')).status === 503,
      2000,
    );
    const readyAt = Date.now() - t0;
    assert.ok(readyAt < 1500, `readiness went 503 after ${readyAt} ms (DRAIN_MS=2000)`);
    assert.equal((await get(b, '/auth/me', cookie)).status, 200, 'still serving during the drain');
    const closed = await withTimeout(onB.closed, 5000, 'close frame');
    assert.equal(closed.code, 1001);
    assert.ok(Date.now() - t0 >= 1900, 'sockets are closed after the drain');
    const exit = await withTimeout(b.exited, 10_000, 'exit');
    // The JVM reports a SIGTERM that it handled (shutdown hooks ran to completion) as exit status 143.
    assert.deepEqual(exit, { code: 143, signal: null });
    assert.ok(Date.now() - t0 < 10_000);
    // The feed goes on, contiguous, whichever instance publishes.
    const before = watcher.events().length;
    await eventually('feed after shutdown', () => watcher.events().length > before + 5, 8000);
    assertContiguous(watcher.events(), 'feed across the shutdown');
    watcher.close();
  });
});
