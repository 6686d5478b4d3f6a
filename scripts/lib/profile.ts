/**
 * Target profiles: everything target-specific in one typed, documented object — URLs, login, identity
 * check, WebSocket auth, message parsing, resume, which close codes count as clean, the Redis keys to
 * audit and the Kubernetes objects to roll. A user points zerodrop at their service by writing a JSON
 * profile (validated by `targetProfileShape()`); the reference service's profile is built in.
 * Pure: no k6 imports.
 */
import { array, either, type Infer, integer, object, optional, record, ShapeError, string } from './shape.ts';

/**
 * The schema of a JSON profile. Built on demand: k6 evaluates the bundle's top level in every VU, and
 * this tree of validators would cost each of them memory for a check only a JSON profile needs.
 */
export function targetProfileShape() {
  const Path = string({ pattern: /^\//, message: 'must start with /' });
  /** A dotted path into a JSON document, e.g. `data.session.id`. */
  const Field = string({
    pattern: /^[^.\s][^\s]*$/,
    message: 'must be a dotted field path like data.session.id',
  });
  const CloseCodes = array(integer(1000, 4999));

  return object({
    name: string(),
    users: object({
      /** Synthetic user names are `${prefix}${n}`. */
      prefix: string(),
      /** Their shared password; USER_PASSWORD overrides it. */
      password: string(),
    }),
    http: object({
      login: object({
        path: Path,
        /** JSON body; `{user}` and `{password}` are substituted. */
        body: record(string()),
        /** Where the identity is in the login response. */
        user: Field,
        sessionId: Field,
      }),
      /** An authenticated request whose response names the identity. */
      identity: object({ path: Path, user: Field, sessionId: Field }),
      logout: object({ path: Path }),
      /** The session cookie's name. */
      sessionCookie: string(),
      /** Statuses that mean "not authenticated" (a clean rejection). */
      unauthorizedStatuses: array(integer(100, 599)),
      /** Response headers naming who served the request. */
      attribution: object({ pod: string(), color: string(), version: string() }),
    }),
    websocket: object({
      path: Path,
      /** Query parameter carrying the resume cursor on reconnect. */
      resumeParam: string(),
      /** The field holding the message type. */
      typeField: Field,
      hello: object({ type: string(), user: Field, sessionId: Field, pod: Field, color: Field }),
      feed: object({
        type: string(),
        /** Contiguous sequence number: a gap is a lost message. */
        seq: Field,
        /** The resume cursor to send back on reconnect. */
        cursor: Field,
        cid: Field,
        /** Optional: publish time in epoch ms, for the delivery-latency trend. */
        publishedAt: optional(Field),
      }),
      ack: object({ type: string(), cid: Field, status: Field, duplicateStatus: string() }),
      /** The order frame to send; `{cid}` is substituted. */
      order: record(either(string(), integer(-1e15, 1e15))),
      /** Server close codes that are a clean going-away (reconnect and resume). */
      cleanCloseCodes: CloseCodes,
      /** Server close codes that mean the session was rejected. */
      unauthorizedCloseCodes: CloseCodes,
    }),
    redis: object({
      /** Session key; `{sessionId}` is substituted. */
      sessionKey: string(),
      /** Field of the stored JSON value naming the user. */
      sessionUserField: Field,
      /** Hash of order cid → times applied. */
      ordersAppliedHash: string(),
    }),
    kubernetes: object({
      namespace: string(),
      deployment: string(),
      service: string(),
      /** Label that carries the color in rainbow deployments. */
      colorLabel: string(),
      /** Container of the deployment to give ROLLOUT_IMAGE to. */
      container: string(),
    }),
  });
}

export type TargetProfile = Infer<ReturnType<typeof targetProfileShape>>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Validates a parsed JSON profile; the error names the first invalid field. */
export function parseProfile(data: unknown, source: string): TargetProfile {
  try {
    return targetProfileShape().parse(data, '');
  } catch (error) {
    if (error instanceof ShapeError) throw new ProfileError(`PROFILE: ${source}: ${error.message}`);
    throw error;
  }
}

/** Reads a dotted path from a JSON value; undefined when any step is missing. */
export function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Replaces `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}
