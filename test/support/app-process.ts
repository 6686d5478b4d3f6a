/**
 * The reference service as a child process, for tests and benchmarks.
 *
 *   const app = await startApp({ env: { REDIS_URL: redis.url, USERS: 'alice:pw1' } });
 *   await fetch(`${app.url}/api/me`);      // app.url = http://127.0.0.1:<port>, app.wsUrl = ws://…
 *   app.signal('SIGTERM');
 *   const exit = await app.waitForExit(10_000);   // { code, signal }; rejects with the output on timeout
 *   await app.stop();                      // idempotent: SIGTERM, SIGKILL after 10 s (also on process exit)
 *
 * startApp resolves once GET /readyz answers 200 from this process (it checks, on Linux, that the child
 * holds the listening socket: a port taken meanwhile by someone else is retried on another port unless
 * `env.PORT` was given), and rejects with the output if the process exits or the wait times out.
 * spawnApp starts the process without waiting: for runs expected to fail start-up.
 * The child's environment is only PATH, HOST=127.0.0.1, PORT=<free port> and `env` (which wins).
 * `entry` defaults to app/src/server.ts (run with --import tsx); pass a .cjs/.js path to run a bundle.
 * Another stack's service (the examples) gives its `command` line, `cwd` and `readyPath` instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot as REPO_ROOT } from '../../tools/paths.ts';
import { freePort } from './free-port.ts';

export interface ExitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface AppProcess {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitResult>;
  /** What the process printed (at least the last million characters of it). */
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved, for failure messages. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  waitForExit(timeoutMs: number): Promise<ExitResult>;
  stop(): Promise<ExitResult>;
}

export interface StartAppOptions {
  readonly env: Readonly<Record<string, string>>;
  /** Entry file relative to the repository root. Default app/src/server.ts. */
  readonly entry?: string;
  /** A whole command line instead of a Node entry (e.g. `java -jar app.jar`), run in `cwd`. */
  readonly command?: readonly string[];
  /** Working directory relative to the repository root. Default the root. */
  readonly cwd?: string;
  /** The readiness path answering 200 once the service is ready. Default /readyz. */
  readonly readyPath?: string;
  /** How long startApp waits for readiness. Default 20 s. */
  readonly readyTimeoutMs?: number;
}

/** Captured output is kept to about its last million characters (a long run logs a lot). */
const OUTPUT_LIMIT = 1_000_000;
const STOP_GRACE_MS = 10_000;
const ATTEMPTS = 3;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startApp(options: StartAppOptions): Promise<AppProcess> {
  for (let attempt = 1; ; attempt++) {
    const app = await spawnApp(options);
    try {
      await waitUntilReady(app, options.readyPath ?? '/readyz', options.readyTimeoutMs ?? 20_000);
      return app;
    } catch (err) {
      await app.stop();
      const portTaken = app.output().includes('EADDRINUSE') && options.env.PORT === undefined;
      if (!portTaken || attempt >= ATTEMPTS) throw err;
    }
  }
}

export async function spawnApp(options: StartAppOptions): Promise<AppProcess> {
  const port = Number(options.env.PORT ?? (await freePort()));
  const entry = options.entry ?? 'app/src/server.ts';
  const [program, ...args] = options.command ?? [
    process.execPath,
    ...(entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry]),
  ];
  const child = spawn(program as string, args, {
    cwd: join(REPO_ROOT, options.cwd ?? '.'),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk) => {
    stdout = keepTail(stdout + chunk);
    output = keepTail(output + chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr = keepTail(stderr + chunk);
    output = keepTail(output + chunk);
  });
  const exited = new Promise<ExitResult>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const waitForExit = async (timeoutMs: number): Promise<ExitResult> => {
    const timeout = sleep(timeoutMs, null, { ref: false });
    const result = await Promise.race([exited, timeout]);
    if (result !== null) return result;
    throw new Error(`service (pid ${child.pid}) still running after ${timeoutMs} ms:\n${output}`);
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForExit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(killer);
      }
      return exited;
    },
  };
}

/** Trims captured output to its last OUTPUT_LIMIT characters once it reaches twice that. */
function keepTail(text: string): string {
  return text.length > 2 * OUTPUT_LIMIT ? text.slice(-OUTPUT_LIMIT) : text;
}

async function waitUntilReady(app: AppProcess, readyPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void app.exited.then(() => {
    exitedEarly = true;
  });
  while (Date.now() < deadline && !exitedEarly) {
    try {
      const response = await fetch(`${app.url}${readyPath}`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      // Another process may hold the port (the free port was taken meanwhile): it must be ours.
      if (response.status === 200 && listensOn(app.pid, app.port)) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(
    `service (pid ${app.pid}) ${exitedEarly ? 'exited' : `not ready after ${timeoutMs} ms`}:\n${app.output()}`,
  );
}

/** Whether process `pid` holds the socket listening on TCP `port` (Linux /proc; true where unavailable). */
function listensOn(pid: number, port: number): boolean {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].filter((table) => existsSync(table));
  if (tables.length === 0) return true;
  const inodes = new Set<string>();
  for (const table of tables) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st … inode: local_address is HEXIP:HEXPORT, st 0A is LISTEN.
      const fields = line.trim().split(/\s+/);
      const localPort = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (fields[3] === '0A' && localPort === port && fields[9]) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
