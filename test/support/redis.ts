/**
 * A throwaway real redis-server for tests and benchmarks.
 *
 *   const redis = await startRedis();      // redis-server on 127.0.0.1:<free port>, no persistence
 *   ... REDIS_URL=redis.url ...
 *   await redis.stop();                     // idempotent; also run on process exit
 *
 * The port is picked at run time (bind 127.0.0.1:0, release, start redis there; retried if someone
 * takes it meanwhile), with `--save '' --appendonly no` and a temporary working directory that stop()
 * removes. startRedis resolves once the server answers on the port and reports this child's pid (INFO
 * server), so a port taken meanwhile by another redis is never mistaken for ours.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
  /** Saves and stops the server, waits `downMs`, and starts it again on the same port with its data. */
  restart(downMs: number): Promise<void>;
}

export interface StartRedisOptions {
  /** How long to wait for the server to answer. Default 10 s. */
  readonly readyTimeoutMs?: number;
}

const ATTEMPTS = 3;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await startOnce(await freePort(), options.readyTimeoutMs ?? 10_000);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOnce(port: number, readyTimeoutMs: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zd-redis-'));
  let server = await launch(port, dir, readyTimeoutMs).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(downMs) {
      await command(port, 'SHUTDOWN SAVE');
      await server.exited;
      await sleep(downMs);
      server = await launch(port, dir, readyTimeoutMs);
    },
  };
}

/** One redis-server process on `port` with its data in `dir`, once it answers as itself. */
async function launch(
  port: number,
  dir: string,
  readyTimeoutMs: number,
): Promise<{ stop(): Promise<void>; exited: Promise<void> }> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  // Ready when the redis answering on the port is this child (not one that took the port meanwhile).
  while ((await serverPid(port)) !== child.pid) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not become ready:\n${output}`);
    }
    await sleep(25);
  }
  return { stop, exited };
}

/** Sends one inline command and waits for the connection to close or answer. */
function command(port: number, line: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', () => socket.destroy());
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

/** The process_id the redis on `port` reports in INFO server, or null when nothing answers. */
function serverPid(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (pid: number | null) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(500, () => done(null));
    socket.on('error', () => done(null));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.startsWith('-')) done(null);
      const pid = /process_id:(\d+)\r\n/.exec(reply);
      if (pid) done(Number(pid[1]));
    });
  });
}
