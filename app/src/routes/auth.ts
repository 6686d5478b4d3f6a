/**
 * POST /login {username, password} → 200 {user, sessionId} and the session cookie; 401 on wrong
 * credentials. POST /logout → deletes the session (atomic compare-and-delete) and clears the cookie.
 */
import type { FastifyInstance } from 'fastify';
import * as v from 'valibot';
import { requireSession, type SessionGuard } from '../session-guard.ts';
import { SESSION_COOKIE, type SessionStore } from '../sessions.ts';
import { credentialsAreValid, type UserDirectory } from '../users.ts';

const LoginBody = v.object({
  username: v.pipe(v.string(), v.maxLength(256)),
  password: v.pipe(v.string(), v.maxLength(1024)),
});

const COOKIE_OPTIONS = { path: '/', httpOnly: true, sameSite: 'lax' } as const;

export interface AuthRouteOptions {
  readonly store: SessionStore;
  readonly guard: SessionGuard;
  readonly directory: UserDirectory;
}

export default async function authRoutes(
  fastify: FastifyInstance,
  { store, guard, directory }: AuthRouteOptions,
) {
  fastify.post('/login', async (request, reply) => {
    const body = v.safeParse(LoginBody, request.body);
    if (!body.success) return reply.code(400).send({ error: 'body must be JSON {username, password}' });
    const { username, password } = body.output;
    if (!credentialsAreValid(directory, username, password)) {
      return reply.code(401).send({ error: 'invalid username or password' });
    }
    const session = await store.create(username);
    request.log.info({ user: session.user }, 'logged in');
    reply.setCookie(SESSION_COOKIE, session.sessionId, COOKIE_OPTIONS);
    return { user: session.user, sessionId: session.sessionId };
  });

  fastify.post('/logout', { preHandler: requireSession(guard) }, async (request, reply) => {
    const loaded = request.session!;
    const deleted = await store.destroy(loaded);
    request.log.info({ user: loaded.session.user, deleted }, 'logged out');
    reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
    return { user: loaded.session.user, loggedOut: true };
  });
}
