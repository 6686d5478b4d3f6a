/**
 * Target profiles: everything target-specific in one typed, documented object — URLs, login, identity
 * check, WebSocket auth, message parsing, resume, which close codes count as clean, the Redis keys to
 * audit and the Kubernetes objects to roll. A user points zerodrop at their service by writing a JSON
 * profile (validated by `TargetProfileSchema`); the reference service's profile is built in.
 * Pure: no k6 imports.
 */
import * as v from 'valibot';

const Path = v.pipe(v.string(), v.startsWith('/'));
/** A dotted path into a JSON document, e.g. `data.session.id`. */
const Field = v.pipe(v.string(), v.minLength(1));
const CloseCodes = v.array(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(4999)));

export const TargetProfileSchema = v.object({
  name: v.string(),
  users: v.object({
    /** Synthetic user names are `${prefix}${n}`. */
    prefix: v.string(),
    /** Their shared password; USER_PASSWORD overrides it. */
    password: v.string(),
  }),
  http: v.object({
    login: v.object({
      path: Path,
      /** JSON body; `{user}` and `{password}` are substituted. */
      body: v.record(v.string(), v.string()),
      /** Where the identity is in the login response. */
      user: Field,
      sessionId: Field,
    }),
    /** An authenticated request whose response names the identity. */
    identity: v.object({ path: Path, user: Field, sessionId: Field }),
    logout: v.object({ path: Path }),
    /** The session cookie's name. */
    sessionCookie: v.string(),
    /** Statuses that mean "not authenticated" (a clean rejection). */
    unauthorizedStatuses: v.array(v.number()),
    /** Response headers naming who served the request. */
    attribution: v.object({ pod: v.string(), color: v.string(), version: v.string() }),
  }),
  websocket: v.object({
    path: Path,
    /** Query parameter carrying the resume cursor on reconnect. */
    resumeParam: v.string(),
    /** The field holding the message type. */
    typeField: Field,
    hello: v.object({ type: v.string(), user: Field, sessionId: Field, pod: Field, color: Field }),
    feed: v.object({
      type: v.string(),
      /** Contiguous sequence number: a gap is a lost message. */
      seq: Field,
      /** The resume cursor to send back on reconnect. */
      cursor: Field,
      cid: Field,
      /** Optional: publish time in epoch ms, for the delivery-latency trend. */
      publishedAt: v.optional(Field),
    }),
    ack: v.object({ type: v.string(), cid: Field, status: Field, duplicateStatus: v.string() }),
    /** The order frame to send; `{cid}` is substituted. */
    order: v.record(v.string(), v.union([v.string(), v.number()])),
    /** Server close codes that are a clean going-away (reconnect and resume). */
    cleanCloseCodes: CloseCodes,
    /** Server close codes that mean the session was rejected. */
    unauthorizedCloseCodes: CloseCodes,
  }),
  redis: v.object({
    /** Session key; `{sessionId}` is substituted. */
    sessionKey: v.string(),
    /** Field of the stored JSON value naming the user. */
    sessionUserField: Field,
    /** Hash of order cid → times applied. */
    ordersAppliedHash: v.string(),
  }),
  kubernetes: v.object({
    namespace: v.string(),
    deployment: v.string(),
    service: v.string(),
    /** Label that carries the color in rainbow deployments. */
    colorLabel: v.string(),
    /** Container of the deployment to give ROLLOUT_IMAGE to. */
    container: v.string(),
  }),
});

export type TargetProfile = v.InferOutput<typeof TargetProfileSchema>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Validates a parsed JSON profile; the error names the first invalid field. */
export function parseProfile(data: unknown, source: string): TargetProfile {
  const result = v.safeParse(TargetProfileSchema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue) ?? '(root)';
    throw new ProfileError(`PROFILE: ${source}: ${path}: ${issue.message}`);
  }
  return result.output;
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
