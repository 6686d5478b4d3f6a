/**
 * Turns the session cookie into a session, or into the reason there is none. Shared by the HTTP routes
 * and the WebSocket upgrade, so both accept and refuse exactly the same cookies.
 *
 * The cookie is checked before any lookup: missing, empty or malformed values never reach Redis
 * (seed 000 pattern 1). Two known-bad modes live here: `no-cookie-guard` and `pod-affinity`.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { BadMode } from './modes.ts';
import { isSessionId, type LoadedSession, SESSION_COOKIE, type SessionStore } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, set by requireSession / identifySession; null when it has none. */
    session: LoadedSession | null;
  }
}

export type SessionCheck = { ok: true; loaded: LoadedSession } | { ok: false; reason: string };

export class SessionGuard {
  readonly #store: SessionStore;
  readonly #podName: string;
  readonly #badMode: BadMode;
  readonly #log: FastifyBaseLogger;

  constructor(store: SessionStore, podName: string, badMode: BadMode, log: FastifyBaseLogger) {
    this.#store = store;
    this.#podName = podName;
    this.#badMode = badMode;
    this.#log = log;
  }

  async check(cookieValue: string | undefined): Promise<SessionCheck> {
    if (cookieValue === '' && this.#badMode === 'no-cookie-guard')
      return this.#checkWithoutGuard(cookieValue);
    if (cookieValue === undefined) return refuse('missing session cookie');
    if (cookieValue === '') return refuse('empty session cookie');
    if (!isSessionId(cookieValue)) return refuse('malformed session cookie');
    const loaded = await this.#store.touch(cookieValue);
    if (loaded === null) return refuse('unknown or expired session');
    if (this.#badMode === 'pod-affinity' && loaded.session.pod !== this.#podName) {
      return refuse(
        `session for ${cookieValue} is stored on ${loaded.session.pod} but current pod is ${this.#podName}`,
      );
    }
    return { ok: true, loaded };
  }

  /**
   * BAD_MODE=no-cookie-guard: the lookup runs before anyone checks the cookie is non-empty, and its
   * result is used unchecked. An empty cookie finds no session and the dereference throws a TypeError:
   * a 500, like the NullPointerException of seed 000 pattern 1.
   */
  async #checkWithoutGuard(cookieValue: string): Promise<SessionCheck> {
    const loaded = (await this.#store.touch(cookieValue)) as LoadedSession;
    this.#log.debug({ user: loaded.session.user }, 'session found');
    return { ok: true, loaded };
  }
}

function refuse(reason: string): SessionCheck {
  return { ok: false, reason };
}

/** preHandler for HTTP routes: 401 JSON with the reason unless the cookie names a live session. */
export function requireSession(guard: SessionGuard) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const check = await guard.check(request.cookies[SESSION_COOKIE]);
    if (!check.ok) return reply.code(401).send({ error: check.reason });
    request.session = check.loaded;
  };
}

/** preValidation for the WebSocket route: the upgrade goes ahead either way; the handler closes 4401. */
export function identifySession(guard: SessionGuard) {
  return async (request: FastifyRequest) => {
    const check = await guard.check(request.cookies[SESSION_COOKIE]);
    if (check.ok) request.session = check.loaded;
    else request.log.debug({ reason: check.reason }, 'unauthenticated WebSocket upgrade');
  };
}
