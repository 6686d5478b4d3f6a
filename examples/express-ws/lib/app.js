import { timingSafeEqual } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';

const USERNAME = /^[a-z0-9-]{1,64}$/;

function passwordMatches(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requireUser(req, res, next) {
  if (!req.session?.user) return res.status(401).json({ error: 'unauthorized' });
  next();
}

/**
 * The Express app and the session middleware (the WebSocket upgrade runs the same middleware).
 * `state.shuttingDown` flips readiness to 503.
 */
export function createApp({ config, redis, state }) {
  const sessionMiddleware = session({
    // `memory-sessions`: the store option left out, so express-session falls back to its MemoryStore.
    store: config.fault === 'memory-sessions' ? undefined : new RedisStore({ client: redis }),
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { maxAge: config.sessionMaxAgeMs, httpOnly: true, sameSite: 'lax' },
  });

  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    res.set('X-Served-By', config.podName);
    // While draining, ask keep-alive clients to open their next connection elsewhere.
    if (state.shuttingDown) res.set('Connection', 'close');
    next();
  });

  app.get('/healthz/live', (req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/healthz/ready', (req, res) => {
    // `readiness-stays-ready`: readiness is only "can I reach Redis?", so it answers 200 through the drain.
    if (state.shuttingDown && config.fault !== 'readiness-stays-ready') {
      return res.status(503).json({ status: 'shutting down' });
    }
    if (!redis.isReady) return res.status(503).json({ status: 'redis unavailable' });
    res.json({ status: 'ready' });
  });

  app.use(express.json());
  app.use(sessionMiddleware);

  app.post('/api/session', (req, res, next) => {
    const { username, password } = req.body ?? {};
    if (typeof username !== 'string' || typeof password !== 'string') {
      return res.status(400).json({ error: 'username and password are required' });
    }
    if (!USERNAME.test(username) || !passwordMatches(password, config.userPassword)) {
      return res.status(401).json({ error: 'invalid username or password' });
    }
    // A new session id on login (no session fixation), as the express-session README does it.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = { name: username };
      req.session.save((err) => {
        if (err) return next(err);
        res.json({ ok: true, user: req.session.user });
      });
    });
  });

  app.get('/api/profile', requireUser, (req, res) => {
    res.json({ user: req.session.user });
  });

  app.delete('/api/session', requireUser, (req, res, next) => {
    if (config.fault === 'logout-keeps-session') {
      // `logout-keeps-session`: only the browser's cookie is cleared; the session stays in the store.
      res.clearCookie('connect.sid', { path: '/' });
      return res.status(204).end();
    }
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('connect.sid', { path: '/' });
      res.status(204).end();
    });
  });

  app.use((err, req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) console.error(`${req.method} ${req.originalUrl} failed:`, err);
    res.status(status).json({ error: status < 500 && err.expose ? err.message : 'internal error' });
  });

  return { app, sessionMiddleware };
}
