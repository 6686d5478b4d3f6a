import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { createFeed, feedScripts } from './feed.js';
import { createOrderStore, orderScripts, validateOrder } from './orders.js';

const env = process.env;
const PORT = Number(env.PORT ?? 3000);
const HOST = env.HOST ?? '0.0.0.0';
const POD_NAME = env.POD_NAME ?? hostname();
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const USER_PASSWORD = env.USER_PASSWORD;
const SESSION_SECRET = env.SESSION_SECRET ?? 'change-me-session-secret';
const SESSION_MAX_AGE_MS = Number(env.SESSION_MAX_AGE_MS ?? 30 * 60 * 1000);
const FEED_INTERVAL_MS = Number(env.FEED_INTERVAL_MS ?? 200);
const FEED_LEASE_MS = Number(env.FEED_LEASE_MS ?? 3000);
const FEED_HISTORY = Number(env.FEED_HISTORY ?? 10_000);
const ORDER_KEY_TTL_S = Number(env.ORDER_KEY_TTL_S ?? 86_400);
const DRAIN_MS = Number(env.DRAIN_MS ?? 2000);
const FAULT = env.FAULT ?? '';

const USERNAME = /^[a-z0-9-]{1,64}$/;

if (!USER_PASSWORD) {
  console.error('USER_PASSWORD must be set');
  process.exit(1);
}

const redis = createClient({ url: REDIS_URL, scripts: { ...feedScripts, ...orderScripts } });
redis.on('error', (err) => console.error('redis error:', err.message));
await redis.connect();

const sessionMiddleware = session({
  // FAULT=memory-sessions: no store given, so express-session falls back to its MemoryStore.
  store: FAULT === 'memory-sessions' ? undefined : new RedisStore({ client: redis }),
  secret: SESSION_SECRET,
  resave: false,
  saveUninitialized: false,
  rolling: true,
  cookie: { maxAge: SESSION_MAX_AGE_MS, sameSite: 'lax' },
});

let shuttingDown = false;

const app = express();
const httpServer = createServer(app);
const io = new Server(httpServer, { adapter: createAdapter(redis) });

app.use((_req, res, next) => {
  res.set('X-Instance', POD_NAME);
  if (shuttingDown) res.set('Connection', 'close');
  next();
});

app.get('/ready', (_req, res) => {
  const ready = !shuttingDown && redis.isReady;
  res.status(ready ? 200 : 503).json({ ready, server: POD_NAME });
});

app.use(express.json());
app.use(sessionMiddleware);

app.post('/login', (req, res, next) => {
  const { username, password } = req.body ?? {};
  if (typeof username !== 'string' || !USERNAME.test(username) || password !== USER_PASSWORD) {
    return res.status(401).json({ error: 'invalid credentials' });
  }
  // regenerate the session on login, against session fixation (express-session README)
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.username = username;
    req.session.save((err) => {
      if (err) return next(err);
      res.json({ username });
    });
  });
});

app.get('/me', (req, res) => {
  if (!req.session.username) return res.status(401).json({ error: 'unauthorized' });
  res.json({ username: req.session.username, server: POD_NAME });
});

app.post('/logout', (req, res, next) => {
  const sessionId = req.session.id;
  const done = (err) => {
    if (err) return next(err);
    // the sockets of this session, on every instance (the adapter broadcasts the request)
    io.in(sessionId).disconnectSockets();
    res.clearCookie('connect.sid', { path: '/' });
    res.json({ ok: true });
  };
  if (FAULT === 'logout-keeps-session') {
    // cookie-session habit: dropping req.session does not touch the store (express-session `unset: 'keep'`)
    req.session = null;
    done();
  } else {
    req.session.destroy(done);
  }
});

app.use((err, _req, res, _next) => {
  const status = err.status ?? err.statusCode ?? 500;
  if (status >= 500) console.error(err);
  res.status(status).json({ error: status >= 500 ? 'internal error' : err.message });
});

// Socket.IO: the HTTP session is read on the handshake (official express-session example).
io.engine.use(sessionMiddleware);
io.engine.on('initial_headers', (headers) => {
  headers['X-Instance'] = POD_NAME;
});

io.use((socket, next) => {
  if (socket.request.session?.username) next();
  else next(new Error('unauthorized'));
});

const feed = createFeed({
  redis,
  podName: POD_NAME,
  intervalMs: FEED_INTERVAL_MS,
  leaseMs: FEED_LEASE_MS,
  historyLength: FEED_HISTORY,
});
const applyOrder = createOrderStore({
  redis,
  podName: POD_NAME,
  ttlSeconds: ORDER_KEY_TTL_S,
  dedupeInMemory: FAULT === 'double-apply',
});

io.on('connection', (socket) => {
  const req = socket.request;
  const { username } = req.session;
  socket.join(req.session.id);

  // Every incoming event: the session must still exist (logout, expiry), and the activity keeps it alive.
  socket.use((_packet, next) => {
    req.session.reload((err) => {
      if (err) {
        socket.disconnect(true);
        return;
      }
      req.session.touch();
      req.sessionStore.touch(req.session.id, req.session, () => next());
    });
  });

  socket.on('order', async (order, ack) => {
    if (typeof ack !== 'function') return;
    const error = validateOrder(order);
    if (error) return ack({ status: 'rejected', error });
    try {
      const created = await applyOrder(username, order);
      ack({ status: created ? 'created' : 'duplicate', id: order.id });
    } catch (err) {
      console.error('order failed:', err.message);
      ack({ status: 'error', id: order.id });
    }
  });

  socket.emit('hello', { username, server: POD_NAME });

  // FAULT=no-replay: the resume point is read from the query string, where the client never puts it.
  const { lastSeq } = FAULT === 'no-replay' ? socket.handshake.query : socket.handshake.auth;
  feed.subscribe(socket, lastSeq).catch((err) => {
    console.error('feed replay failed:', err.message);
    socket.disconnect(true);
  });
});

await feed.start();
httpServer.listen(PORT, HOST, () => {
  console.log(`${POD_NAME} listening on http://${HOST}:${PORT}${FAULT ? ` (FAULT=${FAULT})` : ''}`);
});

function shutdown(signal) {
  if (FAULT === 'abrupt-exit') process.exit(0);
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`${signal}: not ready; closing in ${DRAIN_MS} ms`);
  setTimeout(() => process.exit(1), DRAIN_MS + 8000).unref();
  setTimeout(async () => {
    await feed.stop();
    // io.close() closes every socket ("server shutting down"; clients reconnect) and then the HTTP server,
    // which lets in-flight requests finish.
    io.close(async () => {
      await redis.close();
      console.log('closed');
      process.exit(0);
    });
  }, DRAIN_MS);
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
