/**
 * Session stores for two known-bad modes (see modes.ts). Both are real regressions of RedisSessionStore,
 * kept so the validator can prove it catches them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  type LoadedSession,
  newSession,
  parseStoredSession,
  type SessionOrigin,
  type SessionStore,
  type StoredSession,
  sessionKey,
} from './sessions.ts';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * BAD_MODE=memory-sessions (seed 001): sessions in this process's memory. Every other pod answers 401
 * for them, and a restart or rollout logs everybody out.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, { raw: string; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #origin: SessionOrigin;

  constructor(ttlSeconds: number, origin: SessionOrigin) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#origin = origin;
    setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async create(user: string): Promise<StoredSession> {
    const session = newSession(user, this.#origin);
    this.#sessions.set(session.sessionId, {
      raw: JSON.stringify(session),
      expiresAt: Date.now() + this.#ttlMs,
    });
    return session;
  }

  async touch(sessionId: string): Promise<LoadedSession | null> {
    const entry = this.#sessions.get(sessionId);
    if (!entry || entry.expiresAt <= Date.now()) return null;
    entry.expiresAt = Date.now() + this.#ttlMs;
    const session = parseStoredSession(entry.raw);
    return session && { session, raw: entry.raw };
  }

  async destroy(loaded: LoadedSession): Promise<boolean> {
    return this.#sessions.delete(loaded.session.sessionId);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id);
  }
}

/**
 * BAD_MODE=racy-logout (seed 000 pattern 3). Two non-atomic sequences, each with RACE_WINDOW_MS of
 * awaited "real work" (auditing, enrichment, a downstream call) between its read and its write:
 *
 * - every authenticated request re-saves the session read-modify-write: GET → JSON.parse → wait → SET
 *   with a new lastSeen and TTL (instead of an atomic EXPIRE);
 * - logout is check-then-act: GET and compare in JS, SET the key to a `null` tombstone "so other pods
 *   see the logout", wait, then GET again and DEL only if the tombstone is still there.
 *
 * Under concurrent requests and a logout on one session this really happens:
 * - a re-save that read the session before the tombstone writes it back over the tombstone, logout's
 *   re-check no longer finds its tombstone and keeps the key: the logged-out session is resurrected;
 * - a re-save that read the tombstone writes `null` back after logout's DEL: the key holds "null".
 */
export class RacySessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #windowMs: number;
  readonly #origin: SessionOrigin;

  constructor(redis: Redis, prefix: string, ttlSeconds: number, windowMs: number, origin: SessionOrigin) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlSeconds = ttlSeconds;
    this.#windowMs = windowMs;
    this.#origin = origin;
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
    const raw = await this.#redis.get(key);
    if (raw === null) return null;
    const stored = parseJson(raw) as (StoredSession & { lastSeen?: number }) | null;
    await sleep(this.#windowMs);
    const refreshed = stored === null ? null : { ...stored, lastSeen: Date.now() };
    await this.#redis.set(key, JSON.stringify(refreshed), 'EX', this.#ttlSeconds);
    const session = parseStoredSession(raw);
    return session && { session, raw };
  }

  async destroy(loaded: LoadedSession): Promise<boolean> {
    const key = sessionKey(this.#prefix, loaded.session.sessionId);
    const current = await this.#redis.get(key);
    if (current === null || parseStoredSession(current)?.sessionId !== loaded.session.sessionId) return false;
    await this.#redis.set(key, 'null', 'KEEPTTL');
    await sleep(this.#windowMs);
    if ((await this.#redis.get(key)) === 'null') await this.#redis.del(key);
    return true;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
