/**
 * Graceful shutdown on SIGTERM, against a real service process: readiness flips at once, requests and
 * WebSockets are served through the drain (HTTP with `Connection: close`), WebSockets then get 1001,
 * and the process exits before the deadline. A second signal, or a shutdown that overruns, exits 1.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CloseCode } from '../../app/src/protocol.ts';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { eventually, get, isHello, login, parseRawResponse, TestSocket } from './helpers.ts';

let redis: RedisServer;
let db: Redis;
const apps: AppProcess[] = [];

before(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
});

after(async () => {
  db?.disconnect();
  await Promise.all(apps.map((app) => app.stop()));
  await redis?.stop();
});

async function startDrainingApp(prefix: string, env: Record<string, string>): Promise<AppProcess> {
  const app = await startApp({
    env: { REDIS_URL: redis.url, KEY_PREFIX: prefix, USERS: 'alice:pw1', FEED_INTERVAL_MS: '50', ...env },
  });
  apps.push(app);
  return app;
}

/** Opens a connection and sends a request's first bytes only: a request in flight. */
function startPartialRequest(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function responseOf(socket: Socket): Promise<ReturnType<typeof parseRawResponse>> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const response = parseRawResponse(data);
      if (response) resolve(response);
    });
    socket.on('close', () => resolve(parseRawResponse(data)));
  });
}

function keepAliveGet(agent: http.Agent, port: number, path: string, cookie: string) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent, headers: { cookie } }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }),
      );
    });
    request.on('error', reject);
  });
}

describe('SIGTERM', () => {
  it('fails readiness at once, serves through the drain, closes sockets with 1001, exits 0 in time', async () => {
    const drainMs = 2000;
    const app = await startDrainingApp('drain:', { DRAIN_SECONDS: '2', SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const alice = await login(app, 'alice', 'pw1');
    const socket = await TestSocket.open(app, alice.cookie);
    await socket.waitFor('hello', isHello);
    await socket.waitForFeed(2);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const warm = await keepAliveGet(agent, app.port, '/api/me', alice.cookie);
    assert.equal(warm.status, 200);
    assert.equal(warm.connection, 'keep-alive');
    const inFlight = await startPartialRequest(
      app.port,
      `GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${alice.cookie}\r\n`,
    );
    const inFlightResponse = responseOf(inFlight);

    const signalledAt = Date.now();
    app.signal('SIGTERM');
    await eventually('/readyz to answer 503', async () => (await get(app, '/readyz')).status === 503, 1000);
    assert.ok(Date.now() - signalledAt < 500, `readiness failed after ${Date.now() - signalledAt} ms`);
    assert.deepEqual(await (await get(app, '/readyz')).json(), { status: 'draining' });

    const duringDrain = await keepAliveGet(agent, app.port, '/api/me', alice.cookie);
    assert.equal(duringDrain.status, 200);
    assert.equal(duringDrain.connection, 'close');
    const fresh = await get(app, '/api/me', alice.cookie);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.get('connection'), 'close');
    assert.equal((await get(app, '/healthz')).status, 200);

    inFlight.write('\r\n');
    const completed = await inFlightResponse;
    assert.equal(completed?.status, 200);
    assert.equal(completed?.headers.connection, 'close');
    assert.equal(JSON.parse(completed?.body ?? '{}').user, 'alice');

    const closed = await socket.closed;
    assert.equal(closed.code, CloseCode.goingAway);
    assert.equal(closed.reason, 'going away');
    assert.ok(closed.at - signalledAt >= drainMs - 100, `socket closed after ${closed.at - signalledAt} ms`);
    const fedDuringDrain = socket.feed().filter((entry) => entry.ts > signalledAt + drainMs / 2);
    assert.ok(fedDuringDrain.length > 0, 'the feed kept flowing during the drain');

    const exit = await app.waitForExit(10_000);
    const exitedAfter = Date.now() - signalledAt;
    assert.equal(exit.code, 0, app.output());
    assert.ok(exitedAfter < drainMs + 2000, `exited ${exitedAfter} ms after SIGTERM`);
    assert.equal(await db.exists('drain:feed:leader'), 0, 'the leader lock was handed back');
    agent.destroy();
    inFlight.destroy();
  });

  it('exits at once (code 1) on a second signal', async () => {
    const app = await startDrainingApp('second:', { DRAIN_SECONDS: '20', SHUTDOWN_TIMEOUT_SECONDS: '30' });
    app.signal('SIGTERM');
    await eventually('/readyz to answer 503', async () => (await get(app, '/readyz')).status === 503, 1000);
    const secondAt = Date.now();
    app.signal('SIGTERM');
    const exit = await app.waitForExit(5000);
    assert.equal(exit.code, 1);
    assert.ok(Date.now() - secondAt < 1000, `exited ${Date.now() - secondAt} ms after the second signal`);
  });

  it('is forced out with code 1 when closing overruns SHUTDOWN_TIMEOUT_SECONDS', async () => {
    const app = await startDrainingApp('forced:', { DRAIN_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '3' });
    // A request whose headers never finish keeps the HTTP server from closing.
    const stuck = await startPartialRequest(app.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    const exit = await app.waitForExit(10_000);
    const exitedAfter = Date.now() - signalledAt;
    assert.equal(exit.code, 1, app.output());
    assert.ok(exitedAfter >= 2900 && exitedAfter < 5000, `forced out after ${exitedAfter} ms`);
    assert.match(app.output(), /shutdown timed out/);
    stuck.destroy();
  });
});
