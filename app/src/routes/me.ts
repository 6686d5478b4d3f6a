/** GET /api/me → {user, sessionId, pod, color, version}; 401 JSON for any cookie without a live session. */
import type { FastifyInstance } from 'fastify';
import type { Identity } from '../identity.ts';
import { requireSession, type SessionGuard } from '../session-guard.ts';

export interface MeRouteOptions {
  readonly guard: SessionGuard;
  readonly identity: Identity;
}

export default async function meRoutes(fastify: FastifyInstance, { guard, identity }: MeRouteOptions) {
  fastify.get('/api/me', { preHandler: requireSession(guard) }, async (request) => {
    const { session } = request.session!;
    return {
      user: session.user,
      sessionId: session.sessionId,
      pod: identity.podName,
      color: identity.color,
      version: identity.version,
    };
  });
}
