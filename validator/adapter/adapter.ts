/**
 * The escape hatch for protocols a JSON profile cannot describe: a TypeScript module of the user's that
 * `make bundle ADAPTER=path.ts` bundles into every entry. It exports any of the hooks below (a partial
 * adapter: what it leaves out comes from the profile, as without an adapter). The hooks are plain
 * functions over data — zerodrop does the I/O — so an adapter runs, and is tested, on Node as well.
 * This module holds the types an adapter implements and the check of a module's exports, made in the
 * init context (a missing or invalid export stops the run with one line naming it, exit 107).
 * Pure: no k6 imports.
 */

/** An HTTP request the login hook asks zerodrop to send (with the user's cookies, to BASE_URL + path). */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/** An HTTP response as an adapter reads it; status 0 when no response came (error says why). */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
  error: string | null;
}

export interface LoginInput {
  /** The synthetic user's name and password (USER_PREFIX, USER_PASSWORD applied). */
  user: string;
  password: string;
  /** Sends one request with the user's own cookie jar (redirects followed, as k6 does). */
  send(call: HttpCall): Promise<HttpReply>;
}

/** The login's outcome: `user` is the name the service gave (null when it names none). */
export type LoginOutcome = { ok: true; user: string | null } | { ok: false; reason: string };

/** What an authenticated identity response says about the session. */
export interface IdentitySeen {
  /** The user the service names; null when the response names nobody (an identity change). */
  user: string | null;
  /** A session id the service shows; leave it out when it shows none. */
  sessionId?: string | null;
}

/** The kinds of WebSocket messages zerodrop tracks. */
export const frameKinds = ['greeting', 'feed', 'ack', 'error'] as const;
export type FrameKind = (typeof frameKinds)[number];

/** What one received text message is. `reply`: a message to send back at once (a pong, a subscribe). */
export type Frame = (
  | {
      kind: 'greeting';
      user?: string | null;
      sessionId?: string | null;
      pod?: string | null;
      color?: string | null;
    }
  | { kind: 'feed'; seq: number; publishedAt?: number | null }
  | { kind: 'ack'; id: string; outcome: 'applied' | 'duplicate' | 'other' }
  | { kind: 'error' }
  | { kind: 'other' }
  | { kind: 'invalid'; reason: string }
) & { reply?: string };

/** What the connection before this one saw, for the resume hook. */
export interface Seen {
  /** The last feed message: its sequence number and text. */
  feed: { seq: number; text: string };
  /** The last greeting's text and fields; null when none came. */
  greeting: { text: string; user: string | null; sessionId: string | null } | null;
  /** The session id decoded from the session cookie (http.session.format); null without one. */
  sessionId: string | null;
}

/** How a connection opens: query parameters added to the URL, and a first message after it opened. */
export interface Opening {
  query?: Record<string, string>;
  message?: string;
}

/** Every hook an adapter may export; each one it leaves out falls back to the profile. */
export interface Adapter {
  /** Logs a synthetic user in (replaces http.login). */
  login?(input: LoginInput): Promise<LoginOutcome>;
  /** Reads the identity response of http.identity.path (replaces http.identity.user and .sessionId). */
  identity?(reply: HttpReply): IdentitySeen;
  /** Classifies one received WebSocket text message (replaces websocket.frames; needs `frames`). */
  classify?(text: string): Frame;
  /** The kinds `classify` returns: the invariants they feed are checked (feed: loss; ack: orders). */
  frames?: readonly FrameKind[];
  /**
   * How every connection opens: `seen` is null on the first one (nothing to resume from), else what the
   * connection before saw (replaces websocket.resume).
   */
  resume?(seen: Seen | null): Opening;
  /** The text message that places the order `id` (replaces websocket.order.frame; acks must be classified). */
  order?(id: string): string;
}

const hooks = ['login', 'identity', 'classify', 'resume', 'order'] as const;
const known = new Set<string>([...hooks, 'frames']);

/** An adapter module's exports, checked: every problem named, each as `export: problem`. */
export function checkAdapter(exports: Record<string, unknown>): { adapter: Adapter; problems: string[] } {
  const problems: string[] = [];
  for (const name of Object.keys(exports)) {
    if (name === 'default')
      problems.push('default: export the hooks by name (export function login …), not a default');
    else if (!known.has(name)) problems.push(`${name}: not a hook (expected ${[...known].join(', ')})`);
  }
  for (const name of hooks) {
    const value = exports[name];
    if (value !== undefined && typeof value !== 'function')
      problems.push(`${name}: expected a function, found ${value === null ? 'null' : typeof value}`);
  }
  const frames = exports.frames;
  if (frames !== undefined) {
    const kinds = frameKinds as readonly unknown[];
    if (!Array.isArray(frames) || frames.length === 0 || !frames.every((k) => kinds.includes(k)))
      problems.push(`frames: expected a list of ${frameKinds.join(', ')}, found ${JSON.stringify(frames)}`);
  }
  if ((exports.classify === undefined) !== (frames === undefined))
    problems.push(
      exports.classify === undefined
        ? 'frames: only with classify'
        : 'frames: missing (classify needs the list of kinds it returns)',
    );
  if (
    exports.order !== undefined &&
    exports.classify !== undefined &&
    Array.isArray(frames) &&
    !frames.includes('ack')
  )
    problems.push('frames: order needs acks: classify must return kind ack (add "ack")');
  return { adapter: problems.length === 0 ? (exports as Adapter) : {}, problems };
}

/** One line naming every problem of an adapter module, as settings errors read. */
export function adapterError(source: string, problems: string[]): string {
  const n = problems.length;
  return `ADAPTER: ${source}: ${n} problem${n === 1 ? '' : 's'}: ${problems.join('; ')}`;
}

/**
 * A classified frame checked against the kinds the adapter declared and the shape each kind needs: an
 * adapter bug is reported as an invalid frame (zd_ws_bad_frames), never silently skipped.
 */
export function checkedFrame(frame: unknown, declared: readonly FrameKind[]): Frame {
  if (frame === null || typeof frame !== 'object')
    return { kind: 'invalid', reason: `adapter classify returned ${JSON.stringify(frame) ?? 'undefined'}` };
  const f = frame as Frame;
  if (f.kind === 'other' || f.kind === 'invalid') return f;
  if (!(declared as readonly string[]).includes(f.kind))
    return {
      kind: 'invalid',
      reason: `adapter classify returned kind ${JSON.stringify(f.kind)}, not in frames`,
    };
  if (f.kind === 'feed' && !Number.isInteger(f.seq))
    return { kind: 'invalid', reason: 'adapter classify returned a feed without an integer seq' };
  if (
    f.kind === 'ack' &&
    (typeof f.id !== 'string' || !['applied', 'duplicate', 'other'].includes(f.outcome))
  )
    return { kind: 'invalid', reason: 'adapter classify returned an ack without a string id and outcome' };
  return f;
}
