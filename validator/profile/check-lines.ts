/**
 * The profile check's judgement (validator/check.ts): from what one synthetic user of each kind saw while
 * walking every flow the profile describes, one line per profile field or step — ✓ with what was seen,
 * ✗ with the response or frame that did not match (truncated, secrets redacted), – for what the profile
 * lacks, · for frames no matcher recognised (to write matchers from). Pure: no k6 imports.
 */
import { fillTemplate, type ResumeValues, type WsEvent } from '../users/frames.ts';
import { responseHeader } from '../users/headers.ts';
import { type CookieFormat, sessionIdFromCookie } from '../users/session-cookie.ts';
import { judgeSession, type StoredSession } from '../verdict/audit-rules.ts';
import { hasOrders, pick, type TargetProfile, type ValueSource, type WebSocketProfile } from './profile.ts';

export type Mark = 'pass' | 'fail' | 'skip' | 'info';

export interface Line {
  mark: Mark;
  /** The profile field or step, e.g. `http.login`, `websocket.frames.feed`. */
  field: string;
  text: string;
  /** The response or frame behind a ✗ (or an unrecognised frame), printed on its own line. */
  seen?: string;
}

/** An HTTP exchange as seen: `request` is `METHOD /path`; status 0 when no response came. */
export interface HttpSeen {
  request: string;
  status: number;
  error: string | null;
  headers: Record<string, string>;
  body: string | null;
}

/** The session's store key as read; `candidates` are keys holding the id when it was not there. */
export interface StoreSeen {
  stored: StoredSession;
  /** Key templates (`{sid}` in place of the id) where some decoding of the cookie was found. */
  candidates: { format: CookieFormat; key: string }[];
}

/** A frame as received (decoded JSON, or the raw text when it was not JSON) and what the profile made of it. */
export interface FrameSeen {
  frame: unknown;
  event: WsEvent;
  /** Milliseconds since the connection opened. */
  atMs: number;
}

export interface ConnectionSeen {
  url: string;
  opened: boolean;
  handshakeError: string | null;
  /** Socket.IO: the namespace CONNECT was refused (CONNECT_ERROR), with its message. */
  refused: string | null;
  /** Socket.IO: the namespace CONNECT was granted. */
  connected: boolean;
  frames: FrameSeen[];
  /** The order id sent on this connection and when (ms since open). */
  order: { id: string; atMs: number } | null;
  /** How long the check listened. */
  listenedMs: number;
  /** The server closed the connection first: its close code (null: none); undefined when the check closed it. */
  serverClose?: number | null | undefined;
  /** The resume values the connection was opened with (null: a first connection). */
  resumedFrom: ResumeValues | null;
  /** The first message sent to resume (JSON protocol) or the Socket.IO auth payload. */
  resumeSent: unknown;
}

export interface WsSeen {
  user: string;
  login: HttpSeen;
  loggedIn: boolean;
  first: ConnectionSeen | null;
  /** After a client-side close, reconnected with the resume built from the first connection. */
  second: ConnectionSeen | null;
  /** Opened with a made-up session cookie: how it was refused. */
  stranger: ConnectionSeen | null;
  /** How often the store's orders key holds the order; a string when it could not be read. */
  ordersStore: { key: string; applied: number } | string | null;
}

export interface HttpUserSeen {
  user: string;
  login: HttpSeen;
  loggedIn: boolean;
  /** The adapter's login: the user it named, or why it failed. */
  loginUser?: string | null;
  loginReason?: string;
  /** What the adapter's identity hook read from the identity response. */
  identityNamed?: { user: string | null };
  /** The session cookie's value after login; null when none was set. */
  cookie: string | null;
  /** The names of the cookies the login set. */
  cookieNames: string[];
  identity: HttpSeen | null;
  /** The store key of the session (null: not read). */
  store: StoreSeen | string | null;
  badCookie: HttpSeen | null;
  logout: HttpSeen | null;
  afterLogout: HttpSeen | null;
  storeAfterLogout: StoredSession | null;
}

export interface Observations {
  /** Why Redis was not read: null when it was; `unset` when REDIS_URL is not set; else the error. */
  redis: null | 'unset' | string;
  http: HttpUserSeen;
  ws: WsSeen | null;
}

const maxShown = 240;

/** Hides secrets (the password, cookie values, session ids) and password fields in text shown to the user. */
export function redactor(secrets: readonly (string | null | undefined)[]): (text: string) => string {
  const words = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    words.add(secret);
    words.add(encodeURIComponent(secret));
    try {
      words.add(decodeURIComponent(secret));
    } catch {}
  }
  const sorted = [...words].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const word of sorted) out = out.split(word).join('«redacted»');
    return out.replace(
      /("[^"]*(?:password|passwd|secret|token)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
      '$1"«redacted»"',
    );
  };
}

/** A Set-Cookie header with every cookie's value hidden (attributes kept). */
export function redactSetCookie(header: string): string {
  return header.replace(/(^|,\s*)([^=;,\s]+)=[^;]*/g, (whole, before: string, name: string) =>
    /^(?:expires|path|domain|max-age|samesite)$/i.test(name) ? whole : `${before}${name}=«redacted»`,
  );
}

/** A value as one line of text, at most `maxShown` characters. */
export function shown(value: unknown, redact: (text: string) => string): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  const line = redact(text.replace(/\s*\r?\n\s*/g, ' '));
  return line.length > maxShown ? `${line.slice(0, maxShown)}… (${line.length} chars)` : line;
}

const json = (value: unknown) => JSON.stringify(value);
const is2xx = (status: number) => status >= 200 && status <= 299;
const lacks = (field: string, what = field): Line => ({
  mark: 'skip',
  field,
  text: `not checked (the profile lacks ${what})`,
});
const notReached = (field: string, why: string): Line => ({
  mark: 'skip',
  field,
  text: `not reached (${why})`,
});

function parsed(body: string | null): unknown {
  try {
    return body === null ? null : JSON.parse(body);
  } catch {
    return null;
  }
}

const asText = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;

/** `POST /login → 401` or `POST /login: no response (error)`. */
function exchange(seen: HttpSeen): string {
  return seen.status === 0
    ? `${seen.request}: no response (${seen.error ?? 'no error given'})`
    : `${seen.request} → ${seen.status}`;
}

function responseShown(seen: HttpSeen, redact: (text: string) => string): string | undefined {
  if (seen.status === 0) return undefined;
  return `${seen.status} ${shown(seen.body ?? '', redact) || '(empty body)'}`;
}

/** Every line of the check, in the order the flows walk. */
export function checkLines(profile: TargetProfile, seen: Observations, secrets: readonly string[]): Line[] {
  const redact = redactor(secrets);
  return [...httpLines(profile, seen, redact), ...wsLines(profile, seen, redact)];
}

function httpLines(profile: TargetProfile, seen: Observations, redact: (text: string) => string): Line[] {
  const h = seen.http;
  const spec = profile.http;
  const lines: Line[] = [];
  const login = h.login;
  const loginBody = parsed(login.body);
  if (profile.adapter?.login) {
    lines.push(
      h.loggedIn
        ? {
            mark: 'pass',
            field: 'adapter login',
            text: `${exchange(login)}, logged in as ${json(h.loginUser ?? null)}`,
          }
        : {
            mark: 'fail',
            field: 'adapter login',
            text: `${h.loginReason ?? exchange(login)}`,
            ...(login.status === 0 ? {} : { seen: responseShown(login, redact) }),
          },
    );
  } else if (!is2xx(login.status)) {
    lines.push({
      mark: 'fail',
      field: 'http.login',
      text: exchange(login),
      seen: responseShown(login, redact),
    });
  } else if (spec.login?.user !== undefined) {
    const named = asText(pick(loginBody, spec.login.user));
    lines.push(
      named === h.user
        ? {
            mark: 'pass',
            field: 'http.login',
            text: `${exchange(login)}, ${spec.login.user} = ${json(named)}`,
          }
        : {
            mark: 'fail',
            field: 'http.login.user',
            text: `${exchange(login)} but ${named === null ? 'nothing' : json(named)} at ${spec.login.user} (expected ${json(h.user)})`,
            seen: responseShown(login, redact),
          },
    );
  } else {
    lines.push({
      mark: 'pass',
      field: 'http.login',
      text: `${exchange(login)} (login.user not given: the body is not read)`,
    });
  }

  const cookieName = spec.session.cookie;
  const format = spec.session.format ?? 'raw';
  const sid = h.cookie === null ? null : sessionIdFromCookie(h.cookie, format);
  if (!h.loggedIn && h.cookie === null) {
    lines.push(notReached('http.session.cookie', 'the login failed'));
  } else if (h.cookie === null) {
    const setCookie = responseHeader(login.headers, 'Set-Cookie');
    lines.push({
      mark: 'fail',
      field: 'http.session.cookie',
      text: `no cookie ${json(cookieName)} after the login; cookies set: ${h.cookieNames.length > 0 ? h.cookieNames.join(', ') : 'none'}`,
      ...(setCookie === undefined
        ? {}
        : { seen: `Set-Cookie: ${shown(redactSetCookie(setCookie), redact)}` }),
    });
  } else {
    lines.push({ mark: 'pass', field: 'http.session.cookie', text: `${cookieName} set (value redacted)` });
    lines.push(
      sid === null
        ? {
            mark: 'fail',
            field: 'http.session.format',
            text: `the ${h.cookie.length}-character value is not ${format} (${formatHint(h.cookie, format)})`,
          }
        : {
            mark: 'pass',
            field: 'http.session.format',
            text: `${format} → a ${sid.length}-character session id`,
          },
    );
  }

  const identity = h.identity;
  const identityBody = identity ? parsed(identity.body) : null;
  if (!identity) lines.push(notReached('http.identity', 'the login failed'));
  else if (!is2xx(identity.status))
    lines.push({
      mark: 'fail',
      field: 'http.identity',
      text: `${exchange(identity)} with the session cookie`,
      seen: responseShown(identity, redact),
    });
  else if (profile.adapter?.identity) {
    const named = h.identityNamed?.user ?? null;
    lines.push(
      named === h.user
        ? { mark: 'pass', field: 'adapter identity', text: `${exchange(identity)}, user ${json(named)}` }
        : {
            mark: 'fail',
            field: 'adapter identity',
            text: `${exchange(identity)} but the adapter read ${json(named)} (expected ${json(h.user)})`,
            seen: responseShown(identity, redact),
          },
    );
  } else {
    const named = asText(pick(identityBody, spec.identity.user as string));
    lines.push(
      named === h.user
        ? {
            mark: 'pass',
            field: 'http.identity.user',
            text: `${exchange(identity)}, ${spec.identity.user} = ${json(named)}`,
          }
        : {
            mark: 'fail',
            field: 'http.identity.user',
            text: `${exchange(identity)} but ${named === null ? 'nothing' : json(named)} at ${spec.identity.user} (expected ${json(h.user)})`,
            seen: responseShown(identity, redact),
          },
    );
    if (spec.identity.sessionId === undefined) lines.push(lacks('http.identity.sessionId'));
    else {
      const id = asText(pick(identityBody, spec.identity.sessionId));
      lines.push(
        id === null
          ? {
              mark: 'fail',
              field: 'http.identity.sessionId',
              text: `nothing at ${spec.identity.sessionId}`,
              seen: responseShown(identity, redact),
            }
          : {
              mark: 'pass',
              field: 'http.identity.sessionId',
              text: `found at ${spec.identity.sessionId}${id === sid ? ' (the cookie’s session id)' : ''}`,
            },
      );
    }
  }

  lines.push(...storeLines(profile, seen, sid, redact));
  lines.push(...attributionLines(profile, identity ?? (is2xx(login.status) ? login : null), redact));

  const bad = h.badCookie;
  if (!bad) lines.push(notReached('http.unauthorizedStatuses', 'the login failed'));
  else
    lines.push(
      spec.unauthorizedStatuses.includes(bad.status)
        ? {
            mark: 'pass',
            field: 'http.unauthorizedStatuses',
            text: `a made-up ${cookieName} → ${bad.status}`,
          }
        : {
            mark: 'fail',
            field: 'http.unauthorizedStatuses',
            text: `a made-up ${cookieName}: ${exchange(bad)}, expected one of ${json(spec.unauthorizedStatuses)}`,
            seen: responseShown(bad, redact),
          },
    );

  lines.push(logoutLine(profile, seen, redact));
  return lines;
}

/** What a cookie value looks like, without showing it. */
function formatHint(value: string, format: CookieFormat): string {
  const described: Record<CookieFormat, string> = {
    raw: 'the id itself',
    'express-signed': 's:<id>.<signature>, URL-encoded',
    'spring-base64': 'base64 of the id',
  };
  const looks = /^s(?::|%3A)/i.test(value) ? '; it looks express-signed' : '';
  return `expected ${described[format]}${looks}`;
}

function storeLines(
  profile: TargetProfile,
  seen: Observations,
  sid: string | null,
  redact: (text: string) => string,
): Line[] {
  const spec = profile.redis?.session;
  if (!spec) return [lacks('redis.session')];
  if (seen.redis === 'unset')
    return [{ mark: 'skip', field: 'redis.session', text: 'not checked (REDIS_URL is not set)' }];
  if (seen.redis !== null) return [{ mark: 'fail', field: 'redis.session', text: `Redis: ${seen.redis}` }];
  const store = seen.http.store;
  if (sid === null || store === null) return [notReached('redis.session', 'no session id from the cookie')];
  if (typeof store === 'string') return [{ mark: 'fail', field: 'redis.session', text: `Redis: ${store}` }];
  const lines: Line[] = [];
  const stored = store.stored;
  if (stored.type === 'none') {
    const where = store.candidates.map(
      (c) =>
        `${c.key}${c.format === (profile.http.session.format ?? 'raw') ? '' : ` (with format ${c.format})`}`,
    );
    lines.push({
      mark: 'fail',
      field: 'redis.session.key',
      text: `no key ${spec.key} for this session${where.length > 0 ? `; the session id is in ${where.join(', ')}` : '; no key holds its id'}`,
    });
    lines.push(notReached('redis.session.type', 'no key'));
    return lines;
  }
  const typeName = stored.type === 'other' ? stored.name : stored.type;
  lines.push({ mark: 'pass', field: 'redis.session.key', text: `${spec.key} exists (a Redis ${typeName})` });
  const finding = judgeSession(stored, seen.http.user, { type: spec.type });
  const value = stored.type === 'string' ? stored.value : stored.type === 'hash' ? stored.fields : null;
  const described: Record<string, string> = {
    json: 'a string holding JSON',
    hash: 'a Redis hash',
    opaque: 'any value',
  };
  lines.push(
    finding === 'ok'
      ? { mark: 'pass', field: 'redis.session.type', text: `${spec.type}: ${described[spec.type]}` }
      : {
          mark: 'fail',
          field: 'redis.session.type',
          text:
            finding === 'null-value'
              ? 'the value is empty or null'
              : `a Redis ${typeName}${stored.type === 'string' && spec.type === 'json' ? ' that is not JSON' : ''}, expected ${spec.type} (${described[spec.type]})`,
          ...(value === null ? {} : { seen: shown(value, redact) }),
        },
  );
  if (spec.userField === undefined) lines.push(lacks('redis.session.userField'));
  else if (finding !== 'ok')
    lines.push(notReached('redis.session.userField', 'the value is not as its type says'));
  else {
    const userFinding = judgeSession(stored, seen.http.user, { type: spec.type, userField: spec.userField });
    lines.push(
      userFinding === 'ok'
        ? {
            mark: 'pass',
            field: 'redis.session.userField',
            text: `${spec.userField} = ${json(seen.http.user)}`,
          }
        : {
            mark: 'fail',
            field: 'redis.session.userField',
            text: `${spec.userField} does not hold ${json(seen.http.user)}`,
            ...(value === null ? {} : { seen: shown(value, redact) }),
          },
    );
  }
  return lines;
}

function attributionLines(
  profile: TargetProfile,
  res: HttpSeen | null,
  redact: (text: string) => string,
): Line[] {
  const attribution = profile.http.attribution ?? {};
  return (['pod', 'color', 'version'] as const).map((name): Line => {
    const field = `http.attribution.${name}`;
    const source: ValueSource | undefined = attribution[name];
    if (!source) return lacks(field);
    if (!res) return notReached(field, 'no response');
    if (source.header !== undefined) {
      const value = responseHeader(res.headers, source.header);
      return value !== undefined
        ? { mark: 'pass', field, text: `header ${source.header}: ${shown(value, redact)}` }
        : {
            mark: 'fail',
            field,
            text: `no header ${source.header} in ${res.request}; headers: ${Object.keys(res.headers).join(', ')}`,
          };
    }
    const value = asText(pick(parsed(res.body), source.body as string));
    return value !== null
      ? { mark: 'pass', field, text: `${source.body} = ${json(value)} in ${res.request}` }
      : {
          mark: 'fail',
          field,
          text: `nothing at ${source.body} in ${res.request}`,
          seen: responseShown(res, redact),
        };
  });
}

function logoutLine(profile: TargetProfile, seen: Observations, redact: (text: string) => string): Line {
  const spec = profile.http.logout;
  if (!spec) return lacks('http.logout');
  const { logout, afterLogout, storeAfterLogout } = seen.http;
  if (!logout) return notReached('http.logout', 'the login failed');
  if (logout.status === 0 || logout.status >= 400)
    return {
      mark: 'fail',
      field: 'http.logout',
      text: exchange(logout),
      seen: responseShown(logout, redact),
    };
  if (!afterLogout) return notReached('http.logout', 'no session cookie to reuse');
  const rejected = profile.http.unauthorizedStatuses.includes(afterLogout.status);
  const key = profile.redis?.session?.key;
  const storeNote =
    storeAfterLogout === null || key === undefined
      ? ''
      : storeAfterLogout.type === 'none'
        ? `; ${key} is gone from Redis`
        : `; but ${key} is still in Redis`;
  const ok = rejected && (storeAfterLogout === null || storeAfterLogout.type === 'none');
  return {
    mark: ok ? 'pass' : 'fail',
    field: 'http.logout',
    text: `${exchange(logout)}; the old cookie then: ${exchange(afterLogout)}${rejected ? '' : ` (expected one of ${json(profile.http.unauthorizedStatuses)})`}${storeNote}`,
    ...(rejected ? {} : { seen: responseShown(afterLogout, redact) }),
  };
}

type Ack = Extract<WsEvent, { kind: 'ack' }>;

const events = <K extends WsEvent['kind']>(c: ConnectionSeen | null, kind: K) =>
  (c?.frames ?? []).filter(
    (f): f is FrameSeen & { event: Extract<WsEvent, { kind: K }> } => f.event.kind === kind,
  );

const invalidAbout = (c: ConnectionSeen | null, what: string) =>
  (c?.frames ?? []).find((f) => f.event.kind === 'invalid' && f.event.reason.startsWith(what));

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A few frames no matcher recognised, one of each shape (top-level field names). */
function unrecognised(c: ConnectionSeen | null, max = 3): FrameSeen[] {
  const shapes = new Set<string>();
  const out: FrameSeen[] = [];
  for (const f of events(c, 'other')) {
    const shape =
      f.frame !== null && typeof f.frame === 'object'
        ? Object.keys(f.frame).sort().join(',')
        : typeof f.frame;
    if (shapes.has(shape)) continue;
    shapes.add(shape);
    out.push(f);
    if (out.length === max) break;
  }
  return out;
}

function seenFrames(c: ConnectionSeen | null, redact: (text: string) => string): string | undefined {
  const frames = unrecognised(c);
  if (frames.length === 0) return c && c.frames.length === 0 ? 'no frames at all' : undefined;
  return frames.map((f) => shown(f.frame, redact)).join('\n');
}

function wsLines(profile: TargetProfile, seen: Observations, redact: (text: string) => string): Line[] {
  const ws = profile.websocket;
  if (!ws) return [lacks('websocket')];
  const w = seen.ws;
  if (!w) return [notReached('websocket', 'not run')];
  const lines: Line[] = [];
  if (!w.loggedIn) {
    lines.push({
      mark: 'fail',
      field: 'http.login (WebSocket user)',
      text: exchange(w.login),
      seen: responseShown(w.login, redact),
    });
    return [...lines, notReached('websocket', `the login of ${w.user} failed`)];
  }
  const first = w.first as ConnectionSeen;
  const socketIo = ws.protocol === 'socket.io';
  const url = redact(first.url);
  if (!first.opened) {
    lines.push({
      mark: 'fail',
      field: 'websocket.path',
      text: `the upgrade at ${url} failed: ${first.handshakeError ?? 'no reason given'}`,
    });
    return [...lines, notReached('websocket.frames', 'no connection')];
  }
  lines.push({ mark: 'pass', field: 'websocket.path', text: `upgraded at ${url}` });
  if (socketIo) {
    const namespace = ws.namespace ?? '/';
    if (!first.connected) {
      lines.push({
        mark: 'fail',
        field: 'websocket.protocol',
        text:
          first.refused !== null
            ? `Socket.IO refused namespace ${namespace}: ${first.refused}`
            : `no Socket.IO CONNECT answer for namespace ${namespace} in ${seconds(first.listenedMs)}`,
      });
      return [...lines, notReached('websocket.frames', 'no Socket.IO connection')];
    }
    lines.push({
      mark: 'pass',
      field: 'websocket.protocol',
      text: `Socket.IO: namespace ${namespace} connected`,
    });
  }

  if (profile.adapter?.frames) lines.push(...adapterLines(profile, w, first, redact));
  else {
    lines.push(greetingLine(ws, w, first, redact));
    lines.push(...feedLines(ws, first, redact));
    lines.push(...ackLines(ws, first, w.second, redact));
    lines.push(resumeLine(ws, first, w.second, redact));
  }
  lines.push(ordersStoreLine(profile, seen, first));
  lines.push(strangerLine(ws, w.stranger, redact));
  const strangers = [...unrecognised(first), ...unrecognised(w.second)].slice(0, 3);
  const total = events(first, 'other').length + events(w.second, 'other').length;
  if (strangers.length > 0)
    lines.push({
      mark: 'info',
      field: 'unrecognised frames',
      text: `${total} frame${total === 1 ? '' : 's'} matched no matcher of websocket.frames; one of each shape:`,
      seen: strangers.map((f) => shown(f.frame, redact)).join('\n'),
    });
  return lines;
}

/** The frame lines when the adapter's classify reads the frames: one per kind it declares, and the resume. */
function adapterLines(
  profile: TargetProfile,
  w: WsSeen,
  first: ConnectionSeen,
  redact: (text: string) => string,
): Line[] {
  const kinds = profile.adapter?.frames ?? [];
  const lines: Line[] = [];
  const invalid = first.frames.find((f) => f.event.kind === 'invalid');
  if (invalid)
    lines.push({
      mark: 'fail',
      field: 'adapter classify',
      text: (invalid.event as { reason: string }).reason,
      seen: shown(invalid.frame, redact),
    });
  if (kinds.includes('greeting')) {
    const greeting = events(first, 'greeting')[0];
    lines.push(
      !greeting
        ? {
            mark: 'fail',
            field: 'adapter classify: greeting',
            text: `no greeting in ${seconds(first.listenedMs)}`,
            seen: seenFrames(first, redact),
          }
        : greeting.event.user !== null && greeting.event.user !== w.user
          ? {
              mark: 'fail',
              field: 'adapter classify: greeting',
              text: `user is ${json(greeting.event.user)}, not ${json(w.user)}`,
              seen: shown(greeting.frame, redact),
            }
          : {
              mark: 'pass',
              field: 'adapter classify: greeting',
              text: `after ${greeting.atMs} ms${greeting.event.user === null ? '' : `: user ${json(greeting.event.user)}`}`,
            },
    );
  }
  if (kinds.includes('feed')) {
    const seqs = events(first, 'feed').map((f) => f.event.seq);
    const broken = discontinuity(seqs);
    lines.push(
      seqs.length === 0
        ? {
            mark: 'fail',
            field: 'adapter classify: feed',
            text: `no feed message in ${seconds(first.listenedMs)}`,
            seen: seenFrames(first, redact),
          }
        : broken !== null
          ? {
              mark: 'fail',
              field: 'adapter classify: feed',
              text: `not contiguous: ${broken}`,
              seen: seqs.join(', '),
            }
          : {
              mark: 'pass',
              field: 'adapter classify: feed',
              text: `${seqs.length} messages, seq ${seqs[0]}…${seqs[seqs.length - 1]}`,
            },
    );
  }
  const ack = (c: ConnectionSeen | null, want: 'applied' | 'duplicate', label: string): Line => {
    const field = `adapter classify: ack (${want})`;
    if (!c?.order) return notReached(field, 'no order sent');
    const found = ackOf(c);
    if (found === null || !('ack' in found))
      return {
        mark: 'fail',
        field,
        text: `no ack for ${label} within ${seconds(c.listenedMs - c.order.atMs)}`,
        seen: seenFrames(c, redact),
      };
    return found.ack.event.outcome === want
      ? { mark: 'pass', field, text: `${label} acked ${want} in ${found.ms} ms` }
      : {
          mark: 'fail',
          field,
          text: `${label} acked ${found.ack.event.outcome}, expected ${want}`,
          seen: shown(found.ack.frame, redact),
        };
  };
  if (profile.websocket && (profile.websocket.order || profile.adapter?.order))
    lines.push(
      ack(first, 'applied', 'the order'),
      ack(w.second, 'duplicate', 'its resend after the reconnect'),
    );
  const second = w.second;
  const lastFeed = events(first, 'feed').at(-1);
  const next = second ? events(second, 'feed')[0] : undefined;
  const field = profile.adapter?.resume ? 'adapter resume' : 'websocket.resume';
  if (!second || !lastFeed)
    lines.push(notReached(field, second ? 'no feed message before the reconnect' : 'no reconnect'));
  else if (!next)
    lines.push({
      mark: 'fail',
      field,
      text: `no feed message after the reconnect in ${seconds(second.listenedMs)}`,
      seen: seenFrames(second, redact),
    });
  else {
    const broken = discontinuity([lastFeed.event.seq, next.event.seq]);
    const how = `${redact(second.url.includes('?') ? second.url.slice(second.url.indexOf('?')) : '(no query)')}${typeof second.resumeSent === 'string' ? `, message ${shown(second.resumeSent, redact)}` : ''}`;
    lines.push(
      broken === null
        ? {
            mark: 'pass',
            field,
            text: `reconnected with ${how}: seq ${next.event.seq} follows ${lastFeed.event.seq}`,
          }
        : {
            mark: 'fail',
            field,
            text: `reconnected with ${how}: ${broken}`,
            seen: shown(next.frame, redact),
          },
    );
  }
  return lines;
}

function greetingLine(
  ws: WebSocketProfile,
  w: WsSeen,
  c: ConnectionSeen,
  redact: (text: string) => string,
): Line {
  const spec = ws.frames.greeting;
  const field = 'websocket.frames.greeting';
  if (!spec) return lacks(field);
  const invalid = invalidAbout(c, 'greeting');
  const greeting = events(c, 'greeting')[0];
  if (!greeting) {
    return invalid
      ? {
          mark: 'fail',
          field: `${field}.user`,
          text: (invalid.event as { reason: string }).reason,
          seen: shown(invalid.frame, redact),
        }
      : {
          mark: 'fail',
          field: `${field}.match`,
          text: `no frame matched ${json(spec.match)} in ${seconds(c.listenedMs)}`,
          seen: seenFrames(c, redact),
        };
  }
  const found: string[] = [];
  const missing: string[] = [];
  for (const name of ['user', 'sessionId', 'pod', 'color'] as const) {
    const path = spec[name];
    if (path === undefined) continue;
    const value = greeting.event[name];
    if (value === null) missing.push(`${name} at ${path}`);
    else found.push(name === 'sessionId' ? `sessionId at ${path}` : `${name} ${json(value)} at ${path}`);
  }
  const wrongUser = spec.user !== undefined && greeting.event.user !== w.user;
  if (missing.length > 0 || wrongUser)
    return {
      mark: 'fail',
      field,
      text: `${json(spec.match)} matched, but ${[...(wrongUser && greeting.event.user !== null ? [`user is ${json(greeting.event.user)}, not ${json(w.user)}`] : []), ...missing.map((m) => `nothing at ${m.replace(/^\w+ at /, '')} (${m.split(' ')[0]})`)].join('; ')}`,
      seen: shown(greeting.frame, redact),
    };
  return {
    mark: 'pass',
    field,
    text: `${json(spec.match)} matched after ${greeting.atMs} ms${found.length > 0 ? `: ${found.join(', ')}` : ''}`,
  };
}

/** Gaps and repeats in a run of sequence numbers, as text; null when contiguous. */
export function discontinuity(seqs: readonly number[]): string | null {
  for (let i = 1; i < seqs.length; i++) {
    const before = seqs[i - 1] as number;
    const seq = seqs[i] as number;
    if (seq === before + 1) continue;
    return seq <= before
      ? `seq ${seq} came after ${before} (a duplicate)`
      : `seq ${seq} came after ${before} (${seq - before - 1} missing)`;
  }
  return null;
}

function feedLines(ws: WebSocketProfile, c: ConnectionSeen, redact: (text: string) => string): Line[] {
  const spec = ws.frames.feed;
  const field = 'websocket.frames.feed';
  if (!spec) return [lacks(field)];
  const invalid = invalidAbout(c, 'feed');
  if (invalid)
    return [
      {
        mark: 'fail',
        field: `${field}.seq`,
        text: (invalid.event as { reason: string }).reason,
        seen: shown(invalid.frame, redact),
      },
    ];
  const feeds = events(c, 'feed');
  if (feeds.length === 0)
    return [
      {
        mark: 'fail',
        field: `${field}.match`,
        text: `no frame matched ${json(spec.match)} in ${seconds(c.listenedMs)}`,
        seen: seenFrames(c, redact),
      },
    ];
  const seqs = feeds.map((f) => f.event.seq);
  const broken = discontinuity(seqs);
  const lines: Line[] = [
    broken === null
      ? {
          mark: 'pass',
          field,
          text: `${feeds.length} frame${feeds.length === 1 ? '' : 's'} matched ${json(spec.match)} in ${seconds(c.listenedMs)}, ${spec.seq} ${seqs.length === 1 ? `= ${seqs[0]}` : `contiguous ${seqs[0]}…${seqs[seqs.length - 1]}`}`,
        }
      : { mark: 'fail', field: `${field}.seq`, text: `not contiguous: ${broken}`, seen: seqs.join(', ') },
  ];
  if (spec.publishedAt === undefined) lines.push(lacks(`${field}.publishedAt`));
  else {
    const withTs = feeds.filter((f) => f.event.ts !== null);
    lines.push(
      withTs.length === feeds.length
        ? {
            mark: 'pass',
            field: `${field}.publishedAt`,
            text: `a number at ${spec.publishedAt} in every feed frame`,
          }
        : {
            mark: 'fail',
            field: `${field}.publishedAt`,
            text: `no number at ${spec.publishedAt}`,
            seen: shown(feeds.find((f) => f.event.ts === null)?.frame, redact),
          },
    );
  }
  return lines;
}

/** The ack of the order sent on a connection, or why there is none. */
function ackOf(c: ConnectionSeen | null): { ack: FrameSeen & { event: Ack }; ms: number } | FrameSeen | null {
  if (!c?.order) return null;
  const id = c.order.id;
  const ack = events(c, 'ack').find((f) => f.event.id === id);
  if (ack) return { ack, ms: ack.atMs - c.order.atMs };
  return invalidAbout(c, 'ack') ?? null;
}

function ackLines(
  ws: WebSocketProfile,
  first: ConnectionSeen,
  second: ConnectionSeen | null,
  redact: (text: string) => string,
): Line[] {
  const field = 'websocket.frames.ack';
  const order = ws.order;
  const spec = ws.frames.ack;
  if (!order || !spec) return [lacks('websocket.order')];
  const sentWhat = order.event !== undefined ? `event ${json(order.event)}` : 'the order frame';
  const judge = (c: ConnectionSeen | null, want: 'applied' | 'duplicate', label: string): Line => {
    const name = want === 'applied' ? field : `${field}.duplicate`;
    if (!c) return notReached(name, 'no reconnect');
    if (!c.order)
      return notReached(
        name,
        ws.frames.greeting ? 'no greeting matched, so no order was sent' : 'no order sent',
      );
    const found = ackOf(c);
    if (found === null) {
      const after = c.frames.filter((f) => f.atMs >= (c.order?.atMs ?? 0) && f.event.kind !== 'feed');
      return {
        mark: 'fail',
        field: spec.id === undefined ? name : `${field}.match`,
        text: `no ack ${spec.id === undefined ? '' : `matching ${json(spec.match)} with our id at ${spec.id} `}for ${label} within ${seconds(c.listenedMs - c.order.atMs)}`,
        seen:
          after.length > 0
            ? after
                .slice(0, 3)
                .map((f) => shown(f.frame, redact))
                .join('\n')
            : 'no frame but feed frames after the order',
      };
    }
    if (!('ack' in found))
      return {
        mark: 'fail',
        field: `${field}.id`,
        text: (found.event as { reason: string }).reason,
        seen: shown(found.frame, redact),
      };
    const status = pick(found.ack.frame, spec.status);
    const text = `${label} acked in ${found.ms} ms, ${spec.status} = ${json(status)}`;
    if (found.ack.event.outcome === want)
      return { mark: 'pass', field: name, text: `${text} ∈ ${want} ${json(spec[want])}` };
    return {
      mark: 'fail',
      field: found.ack.event.outcome === 'other' ? `${field}.status` : name,
      text: `${text}, expected one of ${want} ${json(spec[want])}${found.ack.event.outcome === 'other' ? ` (nor in ${want === 'applied' ? 'duplicate' : 'applied'})` : ''}`,
      seen: shown(found.ack.frame, redact),
    };
  };
  const applied = judge(first, 'applied', `${sentWhat} (order ${first.order?.id ?? '-'})`);
  if (applied.field === `${field}.id`)
    return [applied, notReached(`${field}.duplicate`, `acks are not told apart: see ${field}.id`)];
  return [applied, judge(second, 'duplicate', 'its resend after the reconnect')];
}

function resumeLine(
  ws: WebSocketProfile,
  first: ConnectionSeen,
  second: ConnectionSeen | null,
  redact: (text: string) => string,
): Line {
  const field = 'websocket.resume';
  const resume = ws.resume;
  const lastFeed = events(first, 'feed').at(-1);
  if (!second) return notReached(field, 'no reconnect');
  if (!second.opened)
    return {
      mark: 'fail',
      field,
      text: `the reconnect failed: ${second.handshakeError ?? 'no reason given'}`,
    };
  if (!resume) return lacks(field);
  if (!lastFeed) return notReached(field, 'no feed frame before the reconnect');
  const values = second.resumedFrom;
  const templates = Object.entries(resume).filter(([, t]) => t !== undefined);
  const unfilled = values ? templates.filter(([, t]) => fillTemplate(t, values) === undefined) : templates;
  const how = [
    resume.query ? `query ${redact(second.url.slice(second.url.indexOf('?')))}` : '',
    resume.message !== undefined && second.resumeSent !== undefined
      ? `message ${shown(second.resumeSent, redact)}`
      : '',
    resume.auth !== undefined && second.resumeSent !== undefined
      ? `auth ${shown(second.resumeSent, redact)}`
      : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (unfilled.length > 0)
    return {
      mark: 'fail',
      field: `${field}.${unfilled.map(([name]) => name).join(', ')}`,
      text: `${unfilled.map(([, t]) => json(t)).join(', ')} names nothing in the last feed frame or greeting, so nothing was sent to resume`,
      seen: `last feed frame ${shown(lastFeed.frame, redact)}; last greeting ${shown(events(first, 'greeting').at(-1)?.frame ?? null, redact)}`,
    };
  const next = events(second, 'feed')[0];
  if (!next)
    return {
      mark: 'fail',
      field,
      text: `resumed with ${how}, but no feed frame came in ${seconds(second.listenedMs)}`,
      seen: seenFrames(second, redact),
    };
  const broken = discontinuity([lastFeed.event.seq, next.event.seq]);
  return broken === null
    ? {
        mark: 'pass',
        field,
        text: `closed client-side, resumed with ${how}: seq ${next.event.seq} follows ${lastFeed.event.seq}`,
      }
    : {
        mark: 'fail',
        field,
        text: `closed client-side, resumed with ${how}: ${broken}`,
        seen: shown(next.frame, redact),
      };
}

function ordersStoreLine(profile: TargetProfile, seen: Observations, first: ConnectionSeen): Line {
  const field = 'redis.orders';
  const spec = profile.redis?.orders;
  if (!spec) return lacks(field);
  if (!hasOrders(profile)) return lacks(field, 'websocket.order');
  if (seen.redis === 'unset') return { mark: 'skip', field, text: 'not checked (REDIS_URL is not set)' };
  if (seen.redis !== null) return notReached(field, 'Redis unreachable');
  const store = seen.ws?.ordersStore ?? null;
  const id = first.order?.id;
  if (store === null || id === undefined) return notReached(field, 'no order acked');
  if (typeof store === 'string') return { mark: 'fail', field, text: `Redis: ${store}` };
  return store.applied === 1
    ? { mark: 'pass', field, text: `${spec.key} (${spec.type}) holds order ${id} once` }
    : {
        mark: 'fail',
        field,
        text: `${spec.key} (${spec.type}) holds order ${id} ${store.applied === 0 ? 'not at all' : `${store.applied} times`}${spec.type === 'list' ? ` (items with it at ${spec.idField})` : ''}`,
      };
}

/** A connection with a made-up session cookie must be refused: at the upgrade, by Socket.IO, or by a close code. */
function strangerLine(
  ws: WebSocketProfile,
  c: ConnectionSeen | null,
  redact: (text: string) => string,
): Line {
  const field = 'websocket (a made-up cookie)';
  if (!c) return notReached(field, 'not run');
  if (!c.opened)
    return { mark: 'pass', field, text: `refused at the upgrade (${c.handshakeError ?? 'no reason given'})` };
  if (c.refused !== null)
    return { mark: 'pass', field, text: `Socket.IO refused the namespace: ${c.refused}` };
  const codes = ws.unauthorizedCloseCodes ?? [];
  if (c.serverClose !== undefined) {
    if (c.serverClose !== null && codes.includes(c.serverClose))
      return {
        mark: 'pass',
        field,
        text: `closed by the server with ${c.serverClose} ∈ unauthorizedCloseCodes`,
      };
    return {
      mark: 'fail',
      field: 'websocket.unauthorizedCloseCodes',
      text: `a made-up cookie: closed by the server with ${c.serverClose ?? 'no code'}, ${ws.unauthorizedCloseCodes ? `not in ${json(codes)}` : 'and the profile lacks websocket.unauthorizedCloseCodes'}`,
      seen: seenFrames(c, redact) ?? shown(c.frames[0]?.frame ?? 'no frames', redact),
    };
  }
  return {
    mark: 'fail',
    field,
    text: `accepted: the connection stayed open for ${seconds(c.listenedMs)}`,
    seen: c.frames.length > 0 ? shown(c.frames[0]?.frame, redact) : 'no frames',
  };
}

const symbols: Record<Mark, string> = { pass: '✓', fail: '✗', skip: '–', info: '·' };

/** The report: a header, one line per check (with what was seen under a ✗), a count and the time taken. */
export function formatReport(header: string, lines: readonly Line[], elapsedMs: number): string {
  const width = Math.min(40, Math.max(...lines.map((l) => l.field.length)));
  const out = [header];
  for (const line of lines) {
    out.push(` ${symbols[line.mark]} ${line.field.padEnd(width)}  ${line.text}`);
    if (line.seen)
      for (const [i, seen] of line.seen.split('\n').entries())
        out.push(`     ${i === 0 && line.mark === 'fail' ? 'seen: ' : '      '}${seen}`);
  }
  const count = (mark: Mark) => lines.filter((l) => l.mark === mark).length;
  out.push(
    `${count('pass')} ✓, ${count('fail')} ✗, ${count('skip')} not checked — ${(elapsedMs / 1000).toFixed(1)} s`,
  );
  return `${out.join('\n')}\n`;
}

export function failures(lines: readonly Line[]): number {
  return lines.filter((l) => l.mark === 'fail').length;
}
