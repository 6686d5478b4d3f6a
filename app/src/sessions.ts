/**
 * Sessions in Redis: key `${prefix}session:${id}`, a JSON value, a sliding TTL.
 *
 * - Ids are 32 random bytes (base64url, 43 chars), opaque, and format-checked before any lookup.
 * - Each authenticated request loads the session with GETEX … EX ttl: reading it and refreshing its TTL
 *   is one atomic command; the value is never rewritten.
 * - Logout is one atomic compare-and-delete script: the key is deleted only if it still holds the value
 *   this request read. Never check-then-act (seed 000 pattern 3).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { LuaScript } from './lua-script.ts';

export const SESSION_COOKIE = 'zd_session';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export const StoredSession = v.object({
  user: v.string(),
  sessionId: v.pipe(v.string(), v.regex(SESSION_ID)),
  createdAt: v.number(),
  pod: v.string(),
  color: v.string(),
});
export type StoredSession = v.InferOutput<typeof StoredSession>;

/** A session as read by one request, with the exact stored value (for compare-and-delete). */
export interface LoadedSession {
  readonly session: StoredSession;
  readonly raw: string;
}

export interface SessionStore {
  create(user: string): Promise<StoredSession>;
  /** Loads a session and slides its TTL; null when unknown, expired or unreadable. */
  touch(sessionId: string): Promise<LoadedSession | null>;
  /** Deletes the session if it is still the one that was loaded; true when this call deleted it. */
  destroy(loaded: LoadedSession): Promise<boolean>;
}

export interface SessionOrigin {
  readonly pod: string;
  readonly color: string;
}

function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

export function sessionKey(prefix: string, sessionId: string): string {
  return `${prefix}session:${sessionId}`;
}

export function newSession(user: string, origin: SessionOrigin): StoredSession {
  return { user, sessionId: newSessionId(), createdAt: Date.now(), pod: origin.pod, color: origin.color };
}

/** Parses a stored value; null for anything that is not a well-formed session (e.g. `null`). */
export function parseStoredSession(raw: string): StoredSession | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = v.safeParse(StoredSession, data);
  return result.success ? result.output : null;
}

const compareAndDelete = new LuaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  1,
);

export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #origin: SessionOrigin;
  readonly #sliding: boolean;

  /** `sliding` false (SESSION_SLIDING=false): the TTL runs from login and requests do not extend it. */
  constructor(redis: Redis, prefix: string, ttlSeconds: number, origin: SessionOrigin, sliding = true) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlSeconds = ttlSeconds;
    this.#origin = origin;
    this.#sliding = sliding;
  }

  async create(user: string): Promise<StoredSession> {
    const session = newSession(user, this.#origin);
    await this.#redis.set(
      sessionKey(this.#prefix, session.sessionId),
      JSON.stringify(session),
      'EX',
      this.#ttlSeconds,
    );
    return session;
  }

  async touch(sessionId: string): Promise<LoadedSession | null> {
    const key = sessionKey(this.#prefix, sessionId);
    const raw = this.#sliding
      ? await this.#redis.getex(key, 'EX', this.#ttlSeconds)
      : await this.#redis.get(key);
    if (raw === null) return null;
    const session = parseStoredSession(raw);
    return session && session.sessionId === sessionId ? { session, raw } : null;
  }

  async destroy(loaded: LoadedSession): Promise<boolean> {
    const key = sessionKey(this.#prefix, loaded.session.sessionId);
    return (await compareAndDelete.run(this.#redis, [key], [loaded.raw])) === 1;
  }
}
