import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { createApp } from './lib/app.js';
import { loadConfig } from './lib/config.js';
import { Feed } from './lib/feed.js';
import { attachLive } from './lib/live.js';
import { createOrders } from './lib/orders.js';

const config = loadConfig();
const state = { shuttingDown: false, closing: false };

const redis = createClient({ url: config.redisUrl });
redis.on('error', (err) => console.error('redis error:', err.message));
await redis.connect();

const { app, sessionMiddleware } = createApp({ config, redis, state });
const feed = new Feed({ redis, config });
const orders = createOrders({ redis, config });

const server = http.createServer(app);
const live = attachLive({ server, sessionMiddleware, feed, orders, config, state });

await feed.start();
server.listen(config.port, config.host, () => {
  console.log(
    `${config.podName} listening on http://${config.host}:${config.port}${config.fault ? ` (FAULT=${config.fault})` : ''}`,
  );
});

async function shutdown(signal) {
  if (state.shuttingDown) return;
  state.shuttingDown = true; // readiness answers 503 from now on
  console.log(`${signal}: draining for ${config.drainMs} ms`);
  setTimeout(() => {
    console.error('shutdown took too long, exiting');
    process.exit(1);
  }, config.drainMs + 8000).unref();

  await feed.stopPublishing(); // another instance takes the feed over on its next tick
  await sleep(config.drainMs);

  state.closing = true;
  const serverClosed = new Promise((resolve) => server.close(resolve));
  await live.closeAll(1001, 'server shutting down', 3000);
  server.closeIdleConnections();
  const forceClose = setTimeout(() => server.closeAllConnections(), 3000);
  await serverClosed;
  clearTimeout(forceClose);

  await feed.stop();
  await redis.close();
  console.log('shutdown complete');
  process.exit(0);
}

if (config.fault === 'abrupt-exit') {
  // `abrupt-exit`: no drain, no close frames, in-flight requests cut off.
  process.on('SIGTERM', () => process.exit(0));
} else {
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
process.on('SIGINT', () => shutdown('SIGINT'));
