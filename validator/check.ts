/**
 * The profile check (`make check`): the first thing to run against a new service. One synthetic user of
 * each kind walks every flow the profile describes — login, identity, the session cookie and its store
 * key in Redis, attribution, a made-up cookie, logout; the WebSocket upgrade, greeting, feed, an order
 * and its ack, a client-side close and a reconnect with resume, the order's resend — and one line per
 * profile field says what was seen (profile/check-lines.ts decides the lines). Everything happens in setup();
 * the lines reach handleSummary through setup data, and one failed line makes the run exit 99 (a
 * threshold on zd_check_failures). A bad setting or profile stops it in the init context (107).
 */

import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { type CloseEvent, type MessageEvent, WebSocket } from 'k6/websockets';
import redis from 'k6/x/redis';
import { adapter } from './adapter/user-adapter.ts';
import {
  type ConnectionSeen,
  checkLines,
  failures,
  formatReport,
  type HttpSeen,
  type HttpUserSeen,
  type Observations,
  type WsSeen,
} from './profile/check-lines.ts';
import { cookieFormats, fill, hasFrame, hasOrders } from './profile/profile.ts';
import { redact } from './settings/redact.ts';
import { loadSettings } from './settings/settings.ts';
import { classifyFrame, type ResumeValues, resumeUrl, withOrderId } from './users/frames.ts';
import { idempotencyKey } from './users/idempotency.ts';
import { sessionIdFromCookie } from './users/session-cookie.ts';
import { sioConnect, sioEmitWithAck, sioPong } from './users/socketio.ts';
import {
  cookieSid,
  identitySeen,
  type LoginResult,
  login,
  type Response,
  type SyntheticUser,
} from './users/users.ts';
import {
  adapterMessage,
  adapterOpening,
  readMessage,
  resumePayload,
  withQueryParams,
} from './users/ws-message.ts';
import { readSession, timesAppliedInStore } from './verdict/audit.ts';
import { errorDetail } from './verdict/failure-detail.ts';

const { config, profile } = loadSettings({ requireRedis: false });
const checkFailures = new Counter('zd_check_failures');

/** How long a connection listens for the greeting and feed frames, and for an order's ack. */
const listenMs = 2500;
const ackWaitMs = 1500;
/** Feed frames wanted before the reconnect (contiguity) and after it (the resume point). */
const feedsBefore = 3;
const feedsAfter = 2;
/** The session cookie value no service knows: it must be refused. */
const madeUpCookie = 'zerodrop-check-not-a-session';

export const options = {
  scenarios: { check: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '30s' } },
  thresholds: { zd_check_failures: ['count==0'] },
  setupTimeout: '60s',
};

type Client = InstanceType<typeof redis.Client>;

interface CheckData {
  report: string;
  failed: number;
}

export async function setup(): Promise<CheckData> {
  const started = Date.now();
  let client: Client | null = null;
  let redisState: Observations['redis'] = 'unset';
  if (config.redisUrl) {
    client = new redis.Client(config.redisUrl);
    try {
      await client.sendCommand('PING');
      redisState = null;
    } catch (error) {
      redisState = `cannot reach ${redact(config.redisUrl)}: ${redact(String(error))}`;
      client = null;
    }
  }
  const secrets: string[] = [config.userPassword ?? profile.users.password];
  const [httpSeen, wsSeen] = await Promise.all([
    httpUser(client, secrets),
    profile.websocket ? wsUser(client, secrets) : Promise.resolve(null),
  ]);
  const lines = checkLines(profile, { redis: redisState, http: httpSeen, ws: wsSeen }, secrets);
  const header = `zerodrop profile check: ${profile.name} (${config.profile}) against ${config.baseUrl}`;
  return { report: formatReport(header, lines, Date.now() - started), failed: failures(lines) };
}

export default function (data: CheckData): void {
  checkFailures.add(data.failed);
}

export function handleSummary(data: { setup_data?: CheckData }) {
  return { stdout: data.setup_data?.report ?? 'the profile check did not run (setup failed)\n' };
}

const prefix = () => config.userPrefix ?? profile.users.prefix;

function user(kind: 'h' | 'w'): SyntheticUser {
  return { number: 1, name: `${prefix()}${kind}1`, jar: new http.CookieJar() };
}

function httpSeen(res: Response, request: string): HttpSeen {
  return {
    request,
    status: res.status,
    error: res.error || null,
    headers: res.headers,
    body: typeof res.body === 'string' ? res.body.slice(0, 4000) : null,
  };
}

const requestOf = (method: string, path: string) => `${method} ${path}`;

/** The login's exchange as seen: the profile's request, or the adapter's last one (none: status 0). */
function loginSeen(result: LoginResult): HttpSeen {
  const spec = profile.http.login;
  const res = result.res;
  if (res === null)
    return { request: 'adapter login', status: 0, error: result.reason ?? null, headers: {}, body: null };
  const request = spec
    ? requestOf(spec.method ?? 'POST', spec.path)
    : requestOf(res.request.method, res.url.replace(/^[a-z]+:\/\/[^/]+/i, ''));
  return httpSeen(res, request);
}

function cookieValue(u: SyntheticUser): string | null {
  return u.jar.cookiesForURL(config.baseUrl)[profile.http.session.cookie]?.[0] ?? null;
}

async function httpUser(client: Client | null, secrets: string[]): Promise<HttpUserSeen> {
  const u = user('h');
  const spec = profile.http;
  const result = await login(profile, config, u, { flow: 'check' });
  const loggedIn = result.identity;
  const cookie = cookieValue(u);
  if (cookie !== null) secrets.push(cookie);
  const sid = cookieSid(profile, config, u);
  if (sid !== null) secrets.push(sid);
  const seen: HttpUserSeen = {
    user: u.name,
    login: loginSeen(result),
    loggedIn: loggedIn !== null,
    ...(adapter.login ? { loginUser: loggedIn?.user ?? null, loginReason: result.reason ?? '' } : {}),
    cookie,
    cookieNames: Object.keys(u.jar.cookiesForURL(config.baseUrl)),
    identity: null,
    store: null,
    badCookie: null,
    logout: null,
    afterLogout: null,
    storeAfterLogout: null,
  };
  const status = result.res?.status ?? 0;
  if (adapter.login ? loggedIn === null : status < 200 || status > 299) return seen;
  const identityUrl = `${config.baseUrl}${spec.identity.path}`;
  const identityRes = await http.asyncRequest('GET', identityUrl, null, { jar: u.jar });
  seen.identity = httpSeen(identityRes, requestOf('GET', spec.identity.path));
  if (adapter.identity) seen.identityNamed = { user: identitySeen(profile, identityRes, null).user ?? null };
  const key = profile.redis?.session?.key;
  if (client && key && sid !== null && cookie !== null) {
    try {
      const stored = await readSession(client, fill(key, { sid }));
      seen.store = { stored, candidates: stored.type === 'none' ? await candidates(client, cookie) : [] };
    } catch (error) {
      seen.store = String(error);
    }
  }
  seen.badCookie = httpSeen(
    await http.asyncRequest('GET', identityUrl, null, {
      jar: new http.CookieJar(),
      headers: { Cookie: `${spec.session.cookie}=${madeUpCookie}` },
    }),
    requestOf('GET', spec.identity.path),
  );
  const logout = spec.logout;
  if (logout) {
    const method = logout.method ?? 'POST';
    seen.logout = httpSeen(
      await http.asyncRequest(method, `${config.baseUrl}${logout.path}`, null, {
        jar: u.jar,
        headers: { 'Idempotency-Key': idempotencyKey() },
      }),
      requestOf(method, logout.path),
    );
    if (cookie !== null) {
      const jar = new http.CookieJar();
      jar.set(config.baseUrl, spec.session.cookie, cookie);
      seen.afterLogout = httpSeen(
        await http.asyncRequest('GET', identityUrl, null, { jar }),
        requestOf('GET', spec.identity.path),
      );
      if (client && key && sid !== null)
        seen.storeAfterLogout = await readSession(client, fill(key, { sid })).catch(() => null);
    }
  }
  return seen;
}

/** Keys that hold the session id as some cookie format decodes it, with `{sid}` in its place (a few). */
async function candidates(
  client: Client,
  cookie: string,
): Promise<{ format: (typeof cookieFormats)[number]; key: string }[]> {
  const found: { format: (typeof cookieFormats)[number]; key: string }[] = [];
  for (const format of cookieFormats) {
    const sid = sessionIdFromCookie(cookie, format);
    if (sid === null || sid.length < 8) continue;
    let cursor = '0';
    for (let round = 0; round < 20; round++) {
      const [next, keys] = (await client.sendCommand(
        'SCAN',
        cursor,
        'MATCH',
        `*${sid.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        1000,
      )) as [string, string[]];
      for (const key of keys) if (found.length < 3) found.push({ format, key: key.split(sid).join('{sid}') });
      cursor = String(next);
      if (cursor === '0') break;
    }
    if (found.length > 0) break;
  }
  return found;
}

async function wsUser(client: Client | null, secrets: string[]): Promise<WsSeen> {
  const u = user('w');
  const result = await login(profile, config, u, { flow: 'check' });
  const identity = result.identity;
  const cookie = cookieValue(u);
  if (cookie !== null) secrets.push(cookie);
  if (identity?.sid) secrets.push(identity.sid);
  const seen: WsSeen = {
    user: u.name,
    login: loginSeen(result),
    loggedIn: identity !== null,
    first: null,
    second: null,
    stranger: null,
    ordersStore: null,
  };
  if (!identity) return seen;
  const orderId = `zd-check-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const stranger: SyntheticUser = { number: 0, name: 'a made-up cookie', jar: new http.CookieJar() };
  stranger.jar.set(config.baseUrl, profile.http.session.cookie, madeUpCookie);
  [seen.first, seen.stranger] = await Promise.all([
    connection(u, null, orderId, feedsBefore),
    connection(stranger, null, null, feedsBefore),
  ]);
  const lastFeed = seen.first.frames.filter((f) => f.event.kind === 'feed').at(-1)?.frame;
  const lastGreeting = seen.first.frames.filter((f) => f.event.kind === 'greeting').at(-1)?.frame ?? null;
  if (seen.first.opened) {
    // As ws-user: nothing to resume from before the first feed frame.
    const values: ResumeValues | null =
      lastFeed === undefined
        ? null
        : { feed: lastFeed, greeting: lastGreeting, session: { id: identity.sid } };
    // The feed must move on while disconnected, or a service that does not replay looks as if it did.
    await pause(
      reconnectDelayMs(seen.first.frames.filter((f) => f.event.kind === 'feed').map((f) => f.atMs)),
    );
    // Without a feed frame there is no resume point to check: the reconnect is for the order's resend.
    const previous = {
      feed: seen.first.frames.filter((f) => f.event.kind === 'feed').at(-1)?.event ?? null,
      greeting: seen.first.frames.filter((f) => f.event.kind === 'greeting').at(-1)?.event ?? null,
      sessionId: identity.sid,
    };
    seen.second = await connection(
      u,
      values,
      seen.first.order ? orderId : null,
      values ? feedsAfter : 0,
      previous,
    );
  }
  const orders = profile.redis?.orders;
  const acked = seen.first.frames.some((f) => f.event.kind === 'ack' && f.event.id === orderId);
  if (client && orders && acked) {
    try {
      seen.ordersStore = {
        key: orders.key,
        applied:
          (await timesAppliedInStore(client, orders, fill(orders.key, { user: u.name }), [orderId]))[0] ?? 0,
      };
    } catch (error) {
      seen.ordersStore = String(error);
    }
  }
  return seen;
}

/**
 * How long the check stays disconnected before it resumes: 2.5 feed intervals as the first connection
 * saw them (so at least two messages are published meanwhile), 100 ms to 2 s.
 */
function reconnectDelayMs(feedAtMs: number[]): number {
  const first = feedAtMs[0];
  const last = feedAtMs.at(-1);
  if (first === undefined || last === undefined || feedAtMs.length < 2) return 100;
  return Math.min(2000, Math.max(100, Math.round((2.5 * (last - first)) / (feedAtMs.length - 1))));
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/**
 * One WebSocket connection, opened as ws-user opens it (resume query, first message or Socket.IO auth
 * from `values`), listening until the greeting, `feeds` feed frames and the order's ack came or the
 * time is up, then closed client-side.
 */
function connection(
  u: SyntheticUser,
  values: ResumeValues | null,
  orderId: string | null,
  feeds: number,
  previous: Parameters<typeof adapterOpening>[1] = null,
): Promise<ConnectionSeen> {
  const ws = profile.websocket as NonNullable<typeof profile.websocket>;
  const socketIo = ws.protocol === 'socket.io';
  const namespace = ws.namespace ?? '/';
  const wsBase = config.wsUrl ?? `${config.baseUrl.replace(/^http/, 'ws')}${ws.path}`;
  const base = socketIo ? withQuery(wsBase, 'EIO=4&transport=websocket') : wsBase;
  const opening = adapter.resume ? adapterOpening(adapter, previous) : null;
  const url = opening ? withQueryParams(base, opening.query) : resumeUrl(base, ws, values);
  const seen: ConnectionSeen = {
    url,
    opened: false,
    handshakeError: null,
    refused: null,
    connected: false,
    frames: [],
    order: null,
    listenedMs: 0,
    serverClose: undefined,
    resumedFrom: values,
    resumeSent: undefined,
  };
  const socket = new WebSocket(url, null, { jar: u.jar });
  let openedAt = Date.now();
  let ready = false;
  const ackIds = new Map<number, string>();
  const since = () => Date.now() - openedAt;
  const send = (text: string) => {
    if (socket.readyState === 1) socket.send(text);
  };
  const record = (frame: unknown) =>
    seen.frames.push({ frame, event: classifyFrame(frame, ws), atMs: since() });
  const onReady = () => {
    if (ready) return;
    ready = true;
    const order = ws.order;
    if (!hasOrders(profile) || !orderId) return;
    seen.order = { id: orderId, atMs: since() };
    if (adapter.order) send(adapter.order(orderId));
    else if (!order) return;
    else if (socketIo) {
      ackIds.set(0, orderId);
      send(sioEmitWithAck(namespace, 0, order.event as string, withOrderId(order.data, orderId)));
    } else send(JSON.stringify(withOrderId(order.frame, orderId)));
  };

  socket.addEventListener('open', () => {
    seen.opened = true;
    openedAt = Date.now();
    if (!socketIo) {
      seen.resumeSent = opening ? opening.message : resumePayload(ws, values, 'message');
      if (typeof seen.resumeSent === 'string') send(seen.resumeSent);
      else if (seen.resumeSent !== undefined) send(JSON.stringify(seen.resumeSent));
      if (!hasFrame(profile, 'greeting')) onReady();
    }
  });
  socket.addEventListener('message', (e) => {
    const raw = (e as MessageEvent).data;
    const text = typeof raw === 'string' ? raw : '';
    if (adapter.classify) {
      const { event, reply } = adapterMessage(text, adapter);
      if (reply !== undefined) send(reply);
      seen.frames.push({ frame: text, event, atMs: since() });
      if (event.kind === 'greeting') onReady();
      return;
    }
    const input = readMessage(text, ws);
    switch (input.kind) {
      case 'open': {
        seen.resumeSent = resumePayload(ws, values, 'auth');
        send(sioConnect(namespace, seen.resumeSent));
        break;
      }
      case 'ping':
        send(sioPong);
        break;
      case 'connected':
        seen.connected = true;
        if (!hasFrame(profile, 'greeting')) onReady();
        break;
      case 'refused':
        seen.refused = input.message;
        seen.listenedMs = since();
        socket.close(1000, 'refused');
        break;
      case 'frame':
        record(input.frame);
        if (seen.frames.at(-1)?.event.kind === 'greeting') onReady();
        break;
      case 'ack': {
        const cid = ackIds.get(input.ackId);
        if (cid === undefined) break;
        // As ws-user: a Socket.IO ack carries no id of ours; the packet's ack id names the order.
        const frame = { type: 'ack', id: cid, data: input.args[0], args: input.args };
        const event = classifyFrame(frame, ws);
        seen.frames.push({
          frame,
          event: event.kind === 'ack' ? { ...event, id: cid } : event,
          atMs: since(),
        });
        break;
      }
      case 'invalid':
        seen.frames.push({ frame: text, event: input, atMs: since() });
        break;
      default:
        break;
    }
  });
  socket.addEventListener('error', (e) => {
    if (!seen.opened) seen.handshakeError = errorDetail((e as { error?: string }).error);
  });

  const done = (): boolean => {
    const count = (kind: string) => seen.frames.filter((f) => f.event.kind === kind).length;
    const greeted = !hasFrame(profile, 'greeting') || count('greeting') > 0;
    const fed = !hasFrame(profile, 'feed') || count('feed') >= feeds;
    const order = seen.order;
    const acked =
      !hasOrders(profile) ||
      !orderId ||
      (order !== null &&
        (seen.frames.some(
          (f) =>
            (f.event.kind === 'ack' && f.event.id === orderId) ||
            (f.event.kind === 'invalid' && f.event.reason.startsWith('ack')),
        ) ||
          since() - order.atMs > ackWaitMs));
    return (
      (greeted && fed && acked) ||
      since() > Math.max(listenMs, order ? order.atMs + ackWaitMs : 0) ||
      seen.refused !== null
    );
  };

  return new Promise<ConnectionSeen>((resolve) => {
    const watch = setInterval(() => {
      if (!seen.opened || !done()) return;
      clearInterval(watch);
      seen.listenedMs = since();
      socket.close(1000, 'check done');
    }, 50);
    socket.addEventListener('close', (e) => {
      clearInterval(watch);
      // Closed before the check was done listening: the server ended it.
      if (seen.listenedMs === 0) {
        seen.listenedMs = since();
        seen.serverClose = (e as unknown as CloseEvent).code ?? null;
      }
      resolve(seen);
    });
  });
}
