/**
 * WebSocket load for bench/app.ts, run in its own process so the service measured does not share an
 * event loop with its clients: logs BENCH_CLIENTS synthetic users in, opens one /ws per user, waits for
 * every hello, then for BENCH_SECONDS records each feed entry's delivery latency (receive time minus the
 * entry's ts, both Date.now() on this host: 1 ms resolution) and checks seq continuity per socket.
 * Prints one JSON summary line on stdout.
 *
 * Env: BENCH_URL (http://127.0.0.1:<port>), BENCH_CLIENTS, BENCH_SECONDS, BENCH_USER_PREFIX, BENCH_PASSWORD.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { parseServerMessage } from '../app/src/protocol.ts';

export interface WsSummary {
  readonly clients: number;
  readonly seconds: number;
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly gaps: number;
  readonly duplicates: number;
  readonly closedEarly: number;
}

interface Config {
  readonly url: string;
  readonly clients: number;
  readonly seconds: number;
  readonly userPrefix: string;
  readonly password: string;
}

const CONNECT_CONCURRENCY = 25;

function parseConfig(): Config {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  return {
    url: required('BENCH_URL'),
    clients: Number(required('BENCH_CLIENTS')),
    seconds: Number(required('BENCH_SECONDS')),
    userPrefix: required('BENCH_USER_PREFIX'),
    password: required('BENCH_PASSWORD'),
  };
}

async function loginCookie(config: Config, username: string): Promise<string> {
  const response = await fetch(`${config.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: config.password }),
  });
  const body = (await response.json()) as { sessionId?: string };
  if (response.status !== 200 || !body.sessionId)
    throw new Error(`login ${username}: HTTP ${response.status}`);
  return `zd_session=${body.sessionId}`;
}

class Client {
  readonly socket: WebSocket;
  /** Resolves on hello; rejects if the socket fails or closes first. */
  readonly hello: Promise<void>;
  lastSeq: number | null = null;
  closed = false;

  constructor(config: Config, cookie: string, onFeed: (client: Client, seq: number, ts: number) => void) {
    this.socket = new WebSocket(`${config.url.replace(/^http/, 'ws')}/ws`, { headers: { cookie } });
    this.hello = new Promise((resolve, reject) => {
      this.socket.on('error', reject);
      this.socket.once('close', (code) => {
        this.closed = true;
        reject(new Error(`closed ${code} before hello`));
      });
      this.socket.on('message', (data) => {
        const message = parseServerMessage(data.toString());
        if (message?.type === 'hello') resolve();
        else if (message?.type === 'feed') onFeed(this, message.seq, message.ts);
      });
    });
  }
}

async function inBatches<T>(count: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += CONNECT_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - start) }, (_, i) =>
      run(start + i),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const config = parseConfig();
  const latencies: number[] = [];
  let recording = false;
  let gaps = 0;
  let duplicates = 0;
  const onFeed = (client: Client, seq: number, ts: number) => {
    if (client.lastSeq !== null && recording) {
      if (seq <= client.lastSeq) duplicates++;
      else if (seq > client.lastSeq + 1) gaps += seq - client.lastSeq - 1;
    }
    client.lastSeq = seq;
    if (recording) latencies.push(Date.now() - ts);
  };

  const cookies = await inBatches(config.clients, (i) => loginCookie(config, `${config.userPrefix}${i}`));
  const clients = await inBatches(config.clients, async (i) => {
    const client = new Client(config, cookies[i]!, onFeed);
    await client.hello;
    return client;
  });

  recording = true;
  await sleep(config.seconds * 1000);
  recording = false;
  const closedEarly = clients.filter((client) => client.closed).length;
  for (const client of clients) client.socket.close(1000);

  latencies.sort((a, b) => a - b);
  const summary: WsSummary = {
    clients: clients.length,
    seconds: config.seconds,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    gaps,
    duplicates,
    closedEarly,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  await sleep(200);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`ws-clients: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
