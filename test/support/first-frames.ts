/**
 * The first-frames probe (test/suite/fixtures/first-frames.k6.js): a WebSocket server on a free loopback
 * port that sends m0…m4 2 ms after each upgrade and closes 50 ms later, and a k6 run of the probe
 * against it. Shared by the suite's test and bench/k6-first-frames.ts.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { repoRoot as repo } from '../../tools/paths.ts';
import { runK6Script } from './k6.ts';

export const firstFramesScript = path.join(repo, 'test/suite/fixtures/first-frames.k6.js');

export interface FirstFrames {
  /** Sockets whose upgrade succeeded. */
  upgraded: number;
  /** Of those, the ones whose first message was not m0: k6 dropped what came first. */
  missed: number;
  /** Of the missed, the ones whose open event never fired either (the server's close overtook it). */
  neverOpened: number;
  /** Upgrades that failed. */
  failed: number;
}

/** Starts the server; `close` stops it and every socket on it. */
export async function greetingServer(): Promise<{ url: string; close(): void }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => {
    setTimeout(() => {
      for (let i = 0; i < 5; i++) socket.send(`m${i}`);
      setTimeout(() => socket.close(1000), 50);
    }, 2);
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close() {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}

/** How many users open sockets, and how many keep k6's goroutines busy with JavaScript. */
export interface ProbeLoad {
  wsVus: number;
  busyVus: number;
}

/** Runs the probe with the k6 binary `k6` for `seconds` of load; killed a minute past that. */
export async function probeFirstFrames(
  k6: string,
  url: string,
  seconds: number,
  load: ProbeLoad,
): Promise<FirstFrames> {
  const env = {
    WS_URL: url,
    SECONDS: String(seconds),
    WS_VUS: String(load.wsVus),
    BUSY_VUS: String(load.busyVus),
  };
  const { exitCode, output } = await runK6Script(
    firstFramesScript,
    env,
    (seconds + 60) * 1000,
    undefined,
    k6,
  );
  const line = /^RESULT (.*)$/m.exec(output)?.[1];
  if (exitCode !== 0 || !line)
    throw new Error(`the first-frames probe failed (exit ${exitCode}):\n${output.slice(-2000)}`);
  return JSON.parse(line) as FirstFrames;
}
