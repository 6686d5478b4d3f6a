/**
 * GET /healthz: 200 while the process runs. GET /readyz: 200 only if Redis answers PING and not draining
 * (BAD_MODE=readiness-stays-ready: Redis only, so it stays 200 through the drain).
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { DrainState } from '../drain.ts';

const PING_TIMEOUT_MS = 1000;

export interface HealthRouteOptions {
  readonly redis: Redis;
  readonly drain: DrainState;
  /** BAD_MODE=readiness-stays-ready: readiness ignores the drain. */
  readonly readinessIgnoresDrain?: boolean;
}

export default async function healthRoutes(
  fastify: FastifyInstance,
  { redis, drain, readinessIgnoresDrain = false }: HealthRouteOptions,
) {
  fastify.get('/healthz', async () => ({ status: 'ok' }));

  fastify.get('/readyz', async (_request, reply) => {
    if (drain.draining && !readinessIgnoresDrain) return reply.code(503).send({ status: 'draining' });
    if (!(await redisAnswers(redis))) return reply.code(503).send({ status: 'redis unavailable' });
    return { status: 'ready' };
  });
}

async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), PING_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
