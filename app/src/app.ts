/**
 * The service as a Fastify plugin: Redis, the session store the mode asks for, the feed, the routes,
 * and the hooks every response goes through. Process concerns (config, logger, listen, signals) are in
 * server.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { WebSocket } from 'ws';
import { MemorySessionStore, RacySessionStore } from './bad-session-stores.ts';
import type { Config } from './config.ts';
import type { DrainState } from './drain.ts';
import { FeedPublisher, FeedReader, feedKeys } from './feed.ts';
import { identityHeaders } from './identity.ts';
import { OrderBook } from './orders.ts';
import { CloseCode } from './protocol.ts';
import authRoutes from './routes/auth.ts';
import healthRoutes from './routes/health.ts';
import meRoutes from './routes/me.ts';
import socketRoutes from './routes/ws.ts';
import { SessionGuard } from './session-guard.ts';
import { RedisSessionStore, type SessionStore } from './sessions.ts';

export interface AppOptions {
  readonly config: Config;
  readonly drain: DrainState;
}

/** Frames above this are refused by ws itself (close 1009); up to it, frames.ts answers oversize. */
const WS_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long closing sockets get to answer the 1001 close handshake before they are cut. */
const SOCKET_CLOSE_WAIT_MS = 2000;
/** BAD_MODE=rare-loss: the live fan-out skips every this-many-th delivery of a process (a 1e-3 loss). */
const rareLossEvery = 1000;

async function serviceApp(fastify: FastifyInstance, { config, drain }: AppOptions) {
  const redis = new Redis(config.redisUrl, {
    connectionName: `zerodrop:${config.podName}:commands`,
    // While Redis is away, fail requests fast (503) instead of queueing them.
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
  });
  redis.on('error', (err) => fastify.log.warn({ err }, 'redis connection error'));
  const store = createSessionStore(config, redis);
  const guard = new SessionGuard(store, config.podName, config.badMode, fastify.log);
  const keys = feedKeys(config.keyPrefix);
  const dropEvery = config.badMode === 'rare-loss' ? rareLossEvery : null;
  const reader = new FeedReader(redis, config.podName, keys.stream, fastify.log, dropEvery);
  const publisher = new FeedPublisher(
    redis,
    keys,
    { podName: config.podName, intervalMs: config.feedIntervalMs, maxLen: config.feedMaxLen },
    fastify.log,
  );
  const orders = new OrderBook(redis, config.keyPrefix, config.badMode !== 'no-order-dedup');
  const identity = { podName: config.podName, color: config.color, version: config.version };
  const headers = identityHeaders(identity);

  fastify.decorateRequest('session', null);

  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(headers);
    if (drain.draining) reply.header('connection', 'close');
    return payload;
  });

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.message });
    }
    if (redis.status !== 'ready' || err.message === 'Command timed out') {
      request.log.warn({ err }, 'redis unavailable');
      return reply.code(503).send({ error: 'session store unavailable' });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal server error' });
  });

  fastify.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  await fastify.register(fastifyCookie);
  await fastify.register(fastifyWebsocket, {
    options: { maxPayload: WS_MAX_PAYLOAD_BYTES },
    preClose: closeSocketsGoingAway,
    errorHandler: onSocketError,
  });
  fastify.websocketServer.on('headers', (lines: string[]) => {
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  });

  await fastify.register(healthRoutes, {
    redis,
    drain,
    readinessIgnoresDrain: config.badMode === 'readiness-stays-ready',
  });
  await fastify.register(authRoutes, { store, guard, directory: config });
  await fastify.register(meRoutes, { guard, identity });
  await fastify.register(socketRoutes, { guard, reader, orders, identity, badMode: config.badMode });

  fastify.addHook('onReady', async () => {
    await reader.start();
    publisher.start();
  });
  fastify.addHook('onClose', async () => {
    await publisher.stop();
    reader.stop();
    // QUIT would wait for a connection that is down; then there is nothing to flush anyway.
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  });
}

/** BAD_MODE=short-ttl: the lifetime a careless change cut the sessions to. */
const shortTtlSeconds = 20;

function createSessionStore(config: Config, redis: Redis): SessionStore {
  const origin = { pod: config.podName, color: config.color };
  switch (config.badMode) {
    case 'memory-sessions':
      return new MemorySessionStore(config.sessionTtlSeconds, origin);
    case 'racy-logout':
      return new RacySessionStore(
        redis,
        config.keyPrefix,
        config.sessionTtlSeconds,
        config.raceWindowMs,
        origin,
      );
    case 'short-ttl':
      return new RedisSessionStore(redis, config.keyPrefix, shortTtlSeconds, origin, false);
    default:
      return new RedisSessionStore(
        redis,
        config.keyPrefix,
        config.sessionTtlSeconds,
        origin,
        config.sessionSliding,
      );
  }
}

/**
 * A socket error. Protocol errors (invalid UTF-8, oversized frame, bad opcode) are the client's: ws has
 * already sent the matching close code (1007, 1009, 1002), so they are a warning and the close handshake
 * runs its course. Anything else is ours: logged as an error, the socket cut.
 */
function onSocketError(error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest): void {
  if (error.code?.startsWith('WS_ERR_')) {
    request.log.warn(
      { code: error.code, message: error.message },
      'WebSocket protocol error from the client',
    );
    return;
  }
  request.log.error({ err: error }, 'WebSocket error');
  socket.terminate();
}

/** preClose: every WebSocket gets 1001 "going away" (clients reconnect with lastId), then is let go. */
async function closeSocketsGoingAway(this: FastifyInstance): Promise<void> {
  const sockets = [...this.websocketServer.clients];
  const closed = sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve)));
  for (const socket of sockets) socket.close(CloseCode.goingAway, 'going away');
  const waited = await Promise.race([
    Promise.all(closed).then(() => true),
    sleep(SOCKET_CLOSE_WAIT_MS, false, { ref: false }),
  ]);
  if (!waited) for (const socket of this.websocketServer.clients) socket.terminate();
  await new Promise((resolve) => this.websocketServer.close(resolve));
}

export default fp(serviceApp, { name: 'zerodrop-app', fastify: '5.x' });
