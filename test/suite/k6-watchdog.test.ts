/**
 * `make validate` stops a k6 that outlives its run (deploy/k6-process.ts), with the real k6 and real
 * WebSocket servers on loopback: k6 v2.2 waits without end for the answer to a WebSocket close, so a
 * server that stops reading a socket keeps it running past its scenario's max duration; one that answers
 * lets it exit on its own, long before the bound.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { outlivedExitCode, runK6 } from '../../deploy/k6-process.ts';
import { repoRoot as repo } from '../../tools/paths.ts';
import { k6Binary } from '../support/k6.ts';

const script = path.join(repo, 'test/suite/fixtures/close-once.k6.js');
const servers: WebSocketServer[] = [];

after(() => {
  for (const server of servers) {
    for (const client of server.clients) client.terminate();
    server.close();
  }
});

/** A WebSocket server on a free loopback port; `deaf`: it stops reading each socket once it is open. */
async function wsServer(deaf: boolean): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', (socket) => {
    if (deaf) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function k6Against(url: string, lifetimeMs: number): Promise<number> {
  return runK6({
    k6: k6Binary,
    args: ['run', '--quiet', script],
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', WS_URL: url },
    lifetimeMs,
  });
}

test('a close the server never answers: k6 outlives its scenario and is stopped at its lifetime (124)', {
  timeout: 60_000,
}, async () => {
  const started = Date.now();
  assert.equal(await k6Against(await wsServer(true), 12_000), outlivedExitCode);
  // The scenario's max duration and graceful stop (4 s) passed long before: only the watchdog ended it.
  assert.ok(Date.now() - started >= 12_000);
});

test('a close the server answers: k6 ends on its own, before its lifetime', { timeout: 60_000 }, async () => {
  assert.equal(await k6Against(await wsServer(false), 30_000), 0);
});
