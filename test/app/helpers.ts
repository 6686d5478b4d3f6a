/**
 * Helpers for the service's tests: HTTP calls with the session cookie, a WebSocket client that records
 * every message, and a raw HTTP request for bytes fetch() refuses to send.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { type FeedMessage, parseServerMessage, type ServerMessage } from '../../app/src/protocol.ts';
import type { AppProcess } from '../support/app-process.ts';

export const SESSION_COOKIE = 'zd_session';

export interface Login {
  readonly user: string;
  readonly sessionId: string;
  /** `zd_session=<id>`, ready for a Cookie header. */
  readonly cookie: string;
}

export async function login(app: AppProcess, username: string, password: string): Promise<Login> {
  const response = await postJson(app, '/login', { username, password });
  const body = (await response.json()) as { user: string; sessionId: string };
  if (response.status !== 200)
    throw new Error(`login ${username}: ${response.status} ${JSON.stringify(body)}`);
  return { user: body.user, sessionId: body.sessionId, cookie: `${SESSION_COOKIE}=${body.sessionId}` };
}

export function postJson(app: AppProcess, path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify(body),
  });
}

export function get(app: AppProcess, path: string, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: cookie === undefined ? {} : { cookie } });
}

/** Resolves when `check` returns true, polling every 20 ms; rejects after timeoutMs. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

/** A WebSocket client that keeps every server message, in order. */
export class TestSocket {
  readonly messages: ServerMessage[] = [];
  /** Frames that were not a valid ServerMessage (must stay empty). */
  readonly unparsable: string[] = [];
  readonly closed: Promise<CloseEvent>;
  readonly #socket: WebSocket;
  #waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString(), at: Date.now() });
        this.#wake();
      });
    });
    socket.on('message', (data) => {
      const text = data.toString();
      const message = parseServerMessage(text);
      if (message) this.messages.push(message);
      else this.unparsable.push(text);
      this.#wake();
    });
  }

  /** Opens a socket to `/ws` (plus `query`), with the cookie if given. Resolves once open. */
  static open(app: AppProcess, cookie?: string, query = ''): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${app.wsUrl}/ws${query}`, {
        headers: cookie === undefined ? {} : { cookie },
      });
      const testSocket = new TestSocket(socket);
      socket.once('open', () => resolve(testSocket));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: HTTP ${response.statusCode}`)),
      );
    });
  }

  feed(): FeedMessage[] {
    return this.messages.filter((message): message is FeedMessage => message.type === 'feed');
  }

  send(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.#socket.send(data, { binary: options.binary ?? false });
  }

  sendJson(message: unknown): void {
    this.#socket.send(JSON.stringify(message));
  }

  close(): Promise<CloseEvent> {
    this.#socket.close(1000);
    return this.closed;
  }

  /** The first message (from index `from`) matching `match`; waits for it up to timeoutMs. */
  async waitFor<T extends ServerMessage>(
    what: string,
    match: (message: ServerMessage) => message is T,
    timeoutMs = 5000,
    from = 0,
  ): Promise<T> {
    let found: T | undefined;
    await this.until(
      what,
      () => {
        found = this.messages.slice(from).find(match);
        return found !== undefined;
      },
      timeoutMs,
    );
    return found!;
  }

  /** Waits until at least `count` feed messages have arrived; returns all of them. */
  async waitForFeed(count: number, timeoutMs = 5000): Promise<FeedMessage[]> {
    await this.until(`${count} feed messages`, () => this.feed().length >= count, timeoutMs);
    return this.feed();
  }

  /** Re-checks `condition` on every message; rejects on timeout or if the socket closes first. */
  async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.#socket.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export const isHello = (m: ServerMessage): m is Extract<ServerMessage, { type: 'hello' }> =>
  m.type === 'hello';
export const isError = (m: ServerMessage): m is Extract<ServerMessage, { type: 'error' }> =>
  m.type === 'error';
export const isAckFor =
  (cid: string) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: 'ack' }> =>
    m.type === 'ack' && m.cid === cid;

/** Asserts-friendly check: seqs are contiguous and ids strictly increase. Returns a problem or null. */
export function feedProblem(feed: readonly FeedMessage[]): string | null {
  for (let i = 1; i < feed.length; i++) {
    const previous = feed[i - 1]!;
    const current = feed[i]!;
    if (current.seq !== previous.seq + 1) return `seq ${previous.seq} is followed by ${current.seq}`;
    if (compareIds(current.id, previous.id) <= 0) return `id ${previous.id} is followed by ${current.id}`;
  }
  return null;
}

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
  return aMs === bMs ? Number(aSeq - bSeq) : aMs > bMs ? 1 : -1;
}

export interface RawResponse {
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `request` bytes as-is on a new connection and reads the response until the server closes or
 * the body is complete. For requests fetch() would refuse to send.
 */
export function rawRequest(port: number, request: Buffer | string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no complete response within ${timeoutMs} ms: ${JSON.stringify(data.toString('latin1'))}`),
      );
    }, timeoutMs);
    const finish = () => {
      const response = parseRawResponse(data);
      if (!response) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve(response);
      return true;
    };
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      finish();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!finish()) {
        clearTimeout(timer);
        reject(new Error(`connection closed without a response: ${JSON.stringify(data.toString('latin1'))}`));
      }
    });
  });
}

export function parseRawResponse(data: Buffer): RawResponse | null {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = text.slice(end + 4);
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(length) && Buffer.byteLength(body, 'latin1') < length) return null;
  return { status: Number(statusLine?.split(' ')[1]), headers, body };
}
