/**
 * The keep-alive close race, met as browsers meet it. A server that closes a kept-alive connection just
 * as a request goes out over it fails that request before any answer (every pod's shutdown does this to
 * its idle connections). The real bin/k6 runs a fixture that sends the suite's own login over such a
 * connection, through a proxy in front of the real reference service that closes any reused connection
 * a POST arrives on — once per Idempotency-Key, always for a POST without one. The suite's login must
 * come through (resent on a fresh connection with the same key); the control, a plain POST, must not:
 * that proves the race really happened.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AppProcess, startApp } from '../support/app-process.ts';
import { bundleFixture, runK6Script } from '../support/k6.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

interface Arrival {
  method: string;
  path: string;
  key: string | undefined;
  reused: boolean;
  closed: boolean;
}

/** A proxy to `target` that closes the reused connections POSTs arrive on (see the file comment). */
function closingProxy(target: string): { server: Server; arrivals: Arrival[] } {
  const arrivals: Arrival[] = [];
  const closedKeys = new Set<string>();
  const served = new WeakMap<object, number>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    const key = req.headers['idempotency-key'] as string | undefined;
    const close = req.method === 'POST' && count > 1 && !(key && closedKeys.has(key));
    arrivals.push({ method: req.method ?? '', path: req.url ?? '', key, reused: count > 1, closed: close });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (close) {
      if (key) closedKeys.add(key);
      req.socket.destroy();
      return;
    }
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method ?? 'GET',
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => ['content-type', 'cookie'].includes(name)),
      ) as Record<string, string>,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const headers: Record<string, string | string[]> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name))
        headers[name] = value;
    });
    headers['set-cookie'] = answer.headers.getSetCookie();
    res.writeHead(answer.status, headers);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  return { server, arrivals };
}

describe('the keep-alive close race (real k6, real service behind a closing proxy)', () => {
  let redis: RedisServer;
  let app: AppProcess;
  let dir: string;
  let proxy: ReturnType<typeof closingProxy>;

  before(async () => {
    redis = await startRedis();
    app = await startApp({
      env: { REDIS_URL: redis.url, SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic', LOG_LEVEL: 'warn' },
    });
    proxy = closingProxy(app.url);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    dir = await mkdtemp(path.join(tmpdir(), 'zerodrop-race-'));
  });

  after(async () => {
    proxy?.server.closeAllConnections();
    if (proxy) await new Promise((resolve) => proxy.server.close(resolve));
    await app?.stop();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("resends the suite's login on a fresh connection; a plain POST fails", async () => {
    const script = path.join(dir, 'keepalive-race.js');
    await bundleFixture('test/suite/fixtures/keepalive-race.k6.ts', script);
    const { port } = proxy.server.address() as AddressInfo;
    const run = await runK6Script(script, { BASE_URL: `http://127.0.0.1:${port}` }, 60_000);
    assert.equal(run.exitCode, 0, run.output);
    const line = /RESULT (\{.*\})/.exec(run.output.replace(/\\"/g, '"'))?.[1];
    assert.ok(line, run.output);
    const result = JSON.parse(line) as {
      warm: number;
      login: number;
      identity: { user: string } | null;
      plain: number;
      plainError: number;
    };

    assert.equal(result.warm, 200);
    assert.equal(result.login, 200, 'the login came through');
    assert.equal(result.identity?.user, 'zd-user-h1');
    const logins = proxy.arrivals.filter((a) => a.method === 'POST' && a.key);
    assert.equal(logins.length, 2, 'the login went out twice');
    assert.deepEqual(
      logins.map((a) => [a.reused, a.closed]),
      [
        [true, true],
        [false, false],
      ],
      'first over the kept-alive connection (closed under it), then over a fresh one',
    );
    assert.equal(logins[0]?.key, logins[1]?.key, 'the resend carries the same key');
    assert.match(logins[0]?.key ?? '', /^"[0-9a-f-]{36}"$/);

    assert.equal(result.plain, 0, 'the control POST met the race and failed');
    assert.ok(result.plainError > 0);
    const plain = proxy.arrivals.filter((a) => a.method === 'POST' && !a.key);
    assert.deepEqual(
      plain.map((a) => [a.reused, a.closed]),
      [[true, true]],
    );
  });
});
