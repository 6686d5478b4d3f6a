/**
 * Target profiles: everything target-specific in one typed, documented object — login, identity check,
 * the session cookie and how the store key derives from it, WebSocket frames (each kind recognised by its
 * own matcher), resume, orders and their acks, which close codes are clean, the Redis keys to audit and
 * the Kubernetes objects to roll. A user points zerodrop at their service with a JSON profile, usually
 * starting from a preset of their stack (profile-presets.ts); only what an invariant needs is required,
 * and an invariant whose inputs a profile lacks is reported as not checked (invariants.ts).
 * Pure: no k6 imports.
 */

import type { FrameKind } from '../adapter/adapter.ts';
import { parseDuration } from '../settings/duration.ts';
import {
  array,
  type Infer,
  integer,
  json,
  object,
  oneOf,
  optional,
  record,
  ShapeError,
  type ShapeIssue,
  string,
} from './shape.ts';

/** The cookie formats zerodrop can decode into the session id the store keys on (session-cookie.ts). */
export const cookieFormats = ['raw', 'express-signed', 'spring-base64'] as const;

/**
 * The schema of a JSON profile (after its preset is merged in). Built on demand: k6 evaluates the bundle's
 * top level in every VU, and this tree of validators would cost each of them memory for a check only a
 * JSON profile needs.
 */
export function targetProfileShape() {
  const Path = string({ pattern: /^\//, message: 'expected a URL path starting with /' });
  /** A dotted path into a JSON document, e.g. `data.session.id`. */
  const Field = string({
    pattern: /^[^.\s][^\s]*$/,
    message: 'expected a dotted field path like data.session.id',
  });
  const CloseCodes = array(integer(1000, 4999));
  const Statuses = array(integer(100, 599));
  /** Where a value comes from in an HTTP response: a header, or a field of the JSON body. */
  const Source = object({ header: optional(string()), body: optional(Field) });
  /** Field path → the value it must have; every entry must match. */
  const Matcher = record(json());

  return object({
    /** A preset of the stack whose defaults this profile starts from (merged before validation). */
    preset: optional(string()),
    name: string(),
    users: object({
      /** Synthetic user names are `${prefix}${kind}${n}`. */
      prefix: string(),
      /** Their shared password; USER_PASSWORD overrides it. */
      password: string(),
    }),
    http: object({
      /** Required unless the adapter logs in (crossChecks). */
      login: optional(
        object({
          method: optional(oneOf(['POST', 'PUT'])),
          path: Path,
          /** JSON body; `{user}` and `{password}` are substituted. */
          body: record(string()),
          /** Optional: where the logged-in user is named in the response (checked when given). */
          user: optional(Field),
        }),
      ),
      /** An authenticated request whose response names the identity. */
      identity: object({
        path: Path,
        /** Required unless the adapter reads the identity (crossChecks). */
        user: optional(Field),
        /** Optional: the session id in the response; compared across the run when given. */
        sessionId: optional(Field),
      }),
      /** Optional: without it the logout invariants are not checked. */
      logout: optional(object({ method: optional(oneOf(['POST', 'DELETE', 'GET'])), path: Path })),
      session: object({
        /** The session cookie's name. */
        cookie: string(),
        /** How the cookie's value encodes the session id (default raw). */
        format: optional(oneOf(cookieFormats)),
      }),
      /** Statuses that mean "not authenticated" (a clean rejection). */
      unauthorizedStatuses: Statuses,
      /**
       * Optional: the readiness path each instance answers (200–399 ready, as a Kubernetes httpGet probe
       * judges it). With STRATEGY=none zerodrop polls it on every instance the rollout actor reports;
       * without it readiness on drain is not checked there (Kubernetes rollouts read EndpointSlices).
       */
      readiness: optional(object({ path: Path })),
      /** Who served a response; without it failures are attributed to `unknown`. */
      attribution: optional(
        object({ pod: optional(Source), color: optional(Source), version: optional(Source) }),
      ),
    }),
    /** Optional: without it the WebSocket invariants are not checked. */
    websocket: optional(
      object({
        protocol: optional(oneOf(['json', 'socket.io'])),
        path: Path,
        /** Socket.IO namespace (default "/"). */
        namespace: optional(string()),
        frames: object({
          greeting: optional(
            object({
              match: Matcher,
              user: optional(Field),
              sessionId: optional(Field),
              pod: optional(Field),
              color: optional(Field),
            }),
          ),
          feed: optional(
            object({
              match: Matcher,
              /** Contiguous sequence number: a gap is a lost message. */
              seq: Field,
              /** Optional: publish time in epoch ms, for the delivery-latency trend. */
              publishedAt: optional(Field),
            }),
          ),
          ack: optional(
            object({
              match: Matcher,
              /** The order's id in the ack (Socket.IO acks carry it in the packet: omit). */
              id: optional(Field),
              status: Field,
              /** Status values meaning "applied now" and "already applied". */
              applied: array(json()),
              duplicate: array(json()),
            }),
          ),
          error: optional(object({ match: Matcher })),
        }),
        /**
         * How a reconnecting client says where it stopped: templates over `{feed.seq}`, `{feed.<path>}`
         * (the last feed frame), `{greeting.<path>}` (the last greeting) and `{session.id}`.
         */
        resume: optional(
          object({
            query: optional(record(string())),
            message: optional(json()),
            auth: optional(json()),
          }),
        ),
        /** The order to send; `{id}` is its unique id. JSON: a frame; Socket.IO: an event with an ack. */
        order: optional(
          object({ frame: optional(json()), event: optional(string()), data: optional(json()) }),
        ),
        /** Server close codes that are a clean going-away (reconnect and resume). */
        cleanCloseCodes: CloseCodes,
        /** Server close codes that mean the session was rejected. */
        unauthorizedCloseCodes: optional(CloseCodes),
      }),
    ),
    /** Optional: without it the store audit is not checked. */
    redis: optional(
      object({
        session: optional(
          object({
            /** Session key; `{sid}` is the id decoded from the cookie. */
            key: string({ pattern: /\{sid\}/, message: 'expected a key template containing {sid}' }),
            type: oneOf(['json', 'hash', 'opaque']),
            /** json: a path in the value; hash: a field name. Checked against the user when given. */
            userField: optional(string()),
            /**
             * The session's declared idle lifetime ("30m"), sliding: every authenticated request restarts
             * it. The audit fails sessions the store would expire sooner (zd_audit_session_ttl_short).
             */
            idleTimeout: optional(string()),
          }),
        ),
        orders: optional(
          object({
            /** Key holding applied orders; `{user}` is the synthetic user's name. */
            key: string(),
            /** count-hash: id → times applied; hash: id → anything; list: items naming the id at idField. */
            type: oneOf(['count-hash', 'hash', 'list']),
            idField: optional(Field),
          }),
        ),
      }),
    ),
    kubernetes: optional(
      object({
        namespace: string(),
        deployment: string(),
        service: string(),
        /** Label that carries the color in rainbow deployments (default zerodrop.dev/color). */
        colorLabel: optional(string()),
        /** Container to give ROLLOUT_IMAGE to (default the first). */
        container: optional(string()),
      }),
    ),
  });
}

/** What a bundled adapter (adapter.ts) takes over from the profile: the fields it replaces are not read. */
export interface AdapterUse {
  /** Where it came from (the ADAPTER path), for messages. */
  source: string;
  login: boolean;
  identity: boolean;
  /** The kinds its classify returns; null when the profile's matchers classify frames. */
  frames: readonly FrameKind[] | null;
  resume: boolean;
  order: boolean;
}

export type TargetProfile = Infer<ReturnType<typeof targetProfileShape>> & { adapter?: AdapterUse };
export type WebSocketProfile = NonNullable<TargetProfile['websocket']>;
export type ValueSource = NonNullable<NonNullable<TargetProfile['http']['attribution']>['pod']>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Checks across fields that the schema alone cannot express (and what an adapter takes over). */
function crossChecks(p: TargetProfile, adapter: AdapterUse | undefined): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const ws = p.websocket;
  const socketIo = ws?.protocol === 'socket.io';
  const byAdapter = adapter ? ` (or an adapter exporting ${'$'})` : '';
  if (!p.http.login && !adapter?.login)
    issues.push({ path: 'http.login', problem: `is required${byAdapter.replace('$', 'login')}` });
  if (p.http.identity.user === undefined && !adapter?.identity)
    issues.push({ path: 'http.identity.user', problem: `is required${byAdapter.replace('$', 'identity')}` });
  const classified = adapter?.frames ?? null;
  if (ws && socketIo && adapter && (classified || adapter.resume || adapter.order))
    issues.push({
      path: 'websocket.protocol',
      problem:
        'socket.io frames, resume and orders come from the profile: an adapter here may export login and identity only',
    });
  if (ws && classified && Object.keys(ws.frames).length > 0)
    issues.push({
      path: 'websocket.frames',
      problem: `the adapter's classify reads the frames: leave the matchers out`,
    });
  if (ws?.order && !adapter?.order) {
    if (!ws.frames.ack && !classified?.includes('ack'))
      issues.push({ path: 'websocket.frames.ack', problem: 'is required when websocket.order is given' });
    if (socketIo && (ws.order.event === undefined || ws.order.frame !== undefined))
      issues.push({
        path: 'websocket.order',
        problem: 'a Socket.IO order is an event and its data: expected event (and data), not frame',
      });
    if (!socketIo && ws.order.frame === undefined)
      issues.push({ path: 'websocket.order.frame', problem: 'is required for the json protocol' });
  }
  if (ws && adapter?.order && !ws.frames.ack && !classified?.includes('ack'))
    issues.push({ path: 'websocket.frames.ack', problem: `is required for the adapter's orders` });
  if (ws?.frames.ack && !socketIo && ws.frames.ack.id === undefined)
    issues.push({ path: 'websocket.frames.ack.id', problem: 'is required for the json protocol' });
  if (ws?.resume?.auth !== undefined && !socketIo)
    issues.push({ path: 'websocket.resume.auth', problem: 'is only for Socket.IO; use query or message' });
  for (const [name, source] of Object.entries(p.http.attribution ?? {})) {
    if (source && (source.header === undefined) === (source.body === undefined))
      issues.push({ path: `http.attribution.${name}`, problem: 'expected exactly one of header or body' });
  }
  const idle = p.redis?.session?.idleTimeout;
  if (idle !== undefined && !((parseDuration(idle) ?? 0) >= 1000))
    issues.push({
      path: 'redis.session.idleTimeout',
      problem: `expected a duration of at least 1s like 30m or 1h, found ${JSON.stringify(idle)}`,
    });
  if (p.redis?.orders?.type === 'list' && !p.redis.orders.idField)
    issues.push({ path: 'redis.orders.idField', problem: 'is required for a list' });
  return issues;
}

/**
 * Validates a parsed JSON profile (its preset already merged); the error names every problem. With an
 * adapter, the fields its hooks replace may be left out (a websocket section's `frames` too, when it
 * classifies them), and the profile records what the adapter took over.
 */
export function parseProfile(data: unknown, source: string, adapter?: AdapterUse): TargetProfile {
  try {
    const ws = (data as { websocket?: Record<string, unknown> } | null)?.websocket;
    const filled =
      adapter?.frames && ws && typeof ws === 'object' && !Object.hasOwn(ws, 'frames')
        ? { ...(data as object), websocket: { ...ws, frames: {} } }
        : data;
    const profile: TargetProfile = targetProfileShape().parse(filled, '');
    const issues = crossChecks(profile, adapter);
    if (issues.length > 0) throw new ShapeError(issues);
    return adapter ? { ...profile, adapter } : profile;
  } catch (error) {
    if (error instanceof ShapeError) {
      const n = error.issues.length;
      throw new ProfileError(`PROFILE: ${source}: ${n} problem${n === 1 ? '' : 's'}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Split paths and matcher entries, kept: the WebSocket users read the same few paths of every frame.
 * Indexed loops below, not for…of: k6's runtime allocates an iterator result per step.
 */
const pathKeys = new Map<string, string[]>();
const matcherEntries = new WeakMap<Record<string, unknown>, [string, unknown][]>();

/** Reads a dotted path from a JSON value; undefined when any step is missing. */
export function pick(value: unknown, path: string): unknown {
  let keys = pathKeys.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    pathKeys.set(path, keys);
  }
  let current = value;
  for (let i = 0; i < keys.length; i++) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[keys[i] as string];
  }
  return current;
}

/** Replaces `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}

/** True when every matcher entry equals the value at its path. */
export function matches(value: unknown, matcher: Record<string, unknown>): boolean {
  let entries = matcherEntries.get(matcher);
  if (entries === undefined) {
    entries = Object.entries(matcher);
    matcherEntries.set(matcher, entries);
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as [string, unknown];
    if (pick(value, entry[0]) !== entry[1]) return false;
  }
  return true;
}

/** Whether the target sends frames of a kind: the profile's matcher, or the adapter's classify. */
export function hasFrame(p: TargetProfile, kind: FrameKind): boolean {
  if (!p.websocket) return false;
  return p.adapter?.frames ? p.adapter.frames.includes(kind) : p.websocket.frames[kind] !== undefined;
}

/** Whether the target takes orders: the profile's websocket.order, or the adapter's order hook. */
export function hasOrders(p: TargetProfile): boolean {
  return Boolean(p.websocket && (p.websocket.order || p.adapter?.order));
}
