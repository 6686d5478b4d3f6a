/**
 * Benchmarks the reference service (not a test): one service process, bundled as build/bundle.ts does
 * it (esbuild, cjs, node20), on a real redis-server, then prints a table of figures and how each was
 * measured.
 *
 * 1. Authenticated GET /api/me throughput: wrk with a generated Lua script that sets the session cookie,
 *    after a warm-up. Target ≥ 2000 req/s, every response a 2xx.
 * 2. Feed delivery: BENCH_WS_CLIENTS WebSocket clients (bench/ws-clients.ts, a separate process) on a
 *    10 msg/s feed (FEED_INTERVAL_MS=100) for BENCH_WS_SECONDS: p50/p99 of receive time − entry ts.
 *    Target p99 < 50 ms.
 * 3. The service's peak RSS over both phases: VmHWM from /proc/<pid>/status. Target < 150 MB.
 *
 * Usage: npx tsx bench/app.ts [--help]
 * Env (defaults): BENCH_HTTP_SECONDS (15), BENCH_HTTP_CONNECTIONS (64), BENCH_WS_CLIENTS (250),
 *                 BENCH_WS_SECONDS (25), BENCH_LOG_LEVEL (info: the service's LOG_LEVEL, its default).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type AppProcess, startApp } from '../test/support/app-process.ts';
import { startRedis } from '../test/support/redis.ts';
import { repoRoot as REPO } from '../tools/paths.ts';
import type { WsSummary } from './ws-clients.ts';

const execFileAsync = promisify(execFile);
const PASSWORD = 'bench-password';
const USER_PREFIX = 'zd-user-bench-';

interface Config {
  readonly httpSeconds: number;
  readonly httpConnections: number;
  readonly wsClients: number;
  readonly wsSeconds: number;
  readonly logLevel: string;
}

const USAGE = `Usage: npx tsx bench/app.ts
Benchmarks the reference service: GET /api/me with wrk, the WebSocket feed with many clients, peak RSS.
Env (defaults): BENCH_HTTP_SECONDS (15), BENCH_HTTP_CONNECTIONS (64), BENCH_WS_CLIENTS (250),
                BENCH_WS_SECONDS (25), BENCH_LOG_LEVEL (info)`;

function parseConfig(): Config {
  const number = (name: string, fallback: number, min: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
    return value;
  };
  return {
    httpSeconds: number('BENCH_HTTP_SECONDS', 15, 1),
    httpConnections: number('BENCH_HTTP_CONNECTIONS', 64, 1),
    wsClients: number('BENCH_WS_CLIENTS', 250, 1),
    wsSeconds: number('BENCH_WS_SECONDS', 25, 1),
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

/** Prints ` • title ...`, then ` ✓ title (detail)` or ` ✗ title`. */
async function step<T>(
  title: string,
  run: () => Promise<T>,
  detail: (result: T) => string = () => '',
): Promise<T> {
  process.stdout.write(` • ${title} ...\n`);
  try {
    const result = await run();
    const suffix = detail(result);
    process.stdout.write(` ✓ ${title}${suffix ? ` (${suffix})` : ''}\n`);
    return result;
  } catch (error) {
    process.stdout.write(` ✗ ${title}\n`);
    throw error;
  }
}

async function bundleService(dir: string): Promise<string> {
  const outfile = join(dir, 'server.cjs');
  await build({
    entryPoints: [join(REPO, 'app/src/server.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'silent',
  });
  return outfile;
}

async function sessionCookie(app: AppProcess, username: string): Promise<string> {
  const response = await fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = (await response.json()) as { sessionId?: string };
  if (response.status !== 200 || !body.sessionId) throw new Error(`login failed: HTTP ${response.status}`);
  return `zd_session=${body.sessionId}`;
}

interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly socketErrors: string | null;
}

/** Runs wrk without blocking this event loop: the service's output pipe must keep draining meanwhile. */
async function runWrk(url: string, script: string, seconds: number, connections: number): Promise<WrkResult> {
  const { stdout: output } = await execFileAsync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  const match = (pattern: RegExp) => {
    const found = pattern.exec(output);
    if (!found) throw new Error(`unexpected wrk output:\n${output}`);
    return found;
  };
  return {
    requestsPerSecond: Number(match(/Requests\/sec:\s+([\d.]+)/)[1]),
    requests: Number(match(/(\d+) requests in/)[1]),
    p50Ms: toMs(match(/ 50%\s+([\d.]+)(us|ms|s)/)),
    p99Ms: toMs(match(/ 99%\s+([\d.]+)(us|ms|s)/)),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: /Socket errors: .*/.exec(output)?.[0] ?? null,
  };
}

function toMs([, value, unit]: RegExpExecArray): number {
  return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
}

async function measureHttp(app: AppProcess, dir: string, config: Config): Promise<WrkResult> {
  const script = join(dir, 'me.lua');
  writeFileSync(
    script,
    `wrk.method = "GET"\nwrk.headers["Cookie"] = "${await sessionCookie(app, `${USER_PREFIX}wrk`)}"\n`,
  );
  const url = `${app.url}/api/me`;
  await runWrk(url, script, 3, config.httpConnections);
  const result = await runWrk(url, script, config.httpSeconds, config.httpConnections);
  if (result.non2xx > 0) throw new Error(`${result.non2xx} responses were not 2xx`);
  return result;
}

function measureWebSockets(app: AppProcess, config: Config): Promise<WsSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench/ws-clients.ts')], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_URL: app.url,
        BENCH_CLIENTS: String(config.wsClients),
        BENCH_SECONDS: String(config.wsSeconds),
        BENCH_USER_PREFIX: USER_PREFIX,
        BENCH_PASSWORD: PASSWORD,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (config.wsSeconds + 120) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`ws-clients exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as WsSummary);
    });
  });
}

function memoryOf(pid: number): { peakMb: number; currentMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, currentMb: kb('VmRSS') / 1024 };
}

function redisVersion(): string {
  return /v=([\d.]+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
}

function printTable(
  config: Config,
  loadAtStart: number[],
  http: WrkResult,
  ws: WsSummary,
  memory: { peakMb: number; currentMb: number },
) {
  const cpus = os.cpus();
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rows: [string, string, string, string][] = [
    [
      'GET /api/me throughput',
      `${Math.round(http.requestsPerSecond)} req/s`,
      `≥ 2000 (${met(http.requestsPerSecond >= 2000)})`,
      `wrk -t1 -c${config.httpConnections} -d${config.httpSeconds}s after a 3 s warm-up, cookie set by a Lua script; ${http.requests} requests, all 2xx; latency p50 ${http.p50Ms.toFixed(2)} ms, p99 ${http.p99Ms.toFixed(2)} ms${http.socketErrors ? `; ${http.socketErrors}` : ''}`,
    ],
    [
      'feed delivery p50',
      `${ws.p50} ms`,
      '',
      `${ws.clients} WebSocket clients in a separate process, 10 msg/s feed, ${ws.seconds} s: receive Date.now() − entry ts over ${ws.samples} deliveries (1 ms resolution)`,
    ],
    [
      'feed delivery p99',
      `${ws.p99} ms`,
      `< 50 (${met(ws.p99 < 50)})`,
      `same samples; p90 ${ws.p90} ms, max ${ws.max} ms`,
    ],
    [
      'feed continuity',
      `${ws.gaps} gaps, ${ws.duplicates} dups`,
      '0 / 0',
      `per-socket seq checks; ${ws.closedEarly} sockets closed early`,
    ],
    [
      'service peak RSS',
      `${memory.peakMb.toFixed(1)} MB`,
      `< 150 (${met(memory.peakMb < 150)})`,
      `VmHWM of the service process (/proc/<pid>/status) after both phases; VmRSS now ${memory.currentMb.toFixed(1)} MB`,
    ],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(
    `\nzerodrop reference service — ${cpus.length} cores (${cpus[0]?.model.trim()}), Node ${process.version}, redis ${redisVersion()}, service LOG_LEVEL=${config.logLevel}, bundled cjs`,
  );
  console.log(
    `load average at start ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}, now ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} (the service, redis, wrk and the clients share these cores)`,
  );
  console.log(line(['figure', 'value', 'target', 'how measured']));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const config = parseConfig();
  const loadAtStart = os.loadavg();
  const dir = mkdtempSync(join(os.tmpdir(), 'zd-bench-'));
  const redis = await step(
    'Starting redis-server',
    () => startRedis(),
    (r) => r.url,
  );
  let app: AppProcess | null = null;
  try {
    const entry = await step('Bundling app/src/server.ts (esbuild, cjs, node20)', () => bundleService(dir));
    app = await step(
      'Starting the service',
      () =>
        startApp({
          entry,
          env: {
            REDIS_URL: redis.url,
            SYNTHETIC_USERS_PREFIX: 'zd-user-',
            SYNTHETIC_USERS_PASSWORD: PASSWORD,
            FEED_INTERVAL_MS: '100',
            DRAIN_SECONDS: '0',
            LOG_LEVEL: config.logLevel,
          },
        }),
      (a) => `pid ${a.pid}`,
    );
    const service = app;
    const http = await step(
      `Measuring GET /api/me with wrk for ${config.httpSeconds} s`,
      () => measureHttp(service, dir, config),
      (r) => `${Math.round(r.requestsPerSecond)} req/s`,
    );
    const ws = await step(
      `Measuring feed delivery to ${config.wsClients} WebSockets for ${config.wsSeconds} s`,
      () => measureWebSockets(service, config),
      (r) => `p99 ${r.p99} ms`,
    );
    printTable(config, loadAtStart, http, ws, memoryOf(service.pid));
  } finally {
    await app?.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
