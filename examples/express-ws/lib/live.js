import { WebSocketServer } from 'ws';

const HEARTBEAT_MS = 30_000;
const OFFSET = /^\d{1,15}$/;

function onSocketError(err) {
  console.error('upgrade socket error:', err.message);
}

function reject(socket, status, reason, podName) {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nX-Served-By: ${podName}\r\nConnection: close\r\n\r\n`);
  socket.destroy();
}

function send(ws, frame) {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

/** Where a reconnecting client stopped: `/live?offset=<last offset seen>&epoch=<epoch from the welcome>`. */
function parseResume(searchParams) {
  const offset = searchParams.get('offset');
  if (offset === null || offset === '') return { ok: true, offset: null, epoch: null };
  if (!OFFSET.test(offset)) return { ok: false };
  return { ok: true, offset: Number(offset), epoch: searchParams.get('epoch') || null };
}

function parsePlace(msg) {
  const { ref, sku, qty } = msg;
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 200) return null;
  if (typeof sku !== 'string' || sku.length === 0 || sku.length > 200) return null;
  if (!Number.isInteger(qty) || qty < 1) return null;
  return { ref, sku, qty };
}

/**
 * The WebSocket endpoint /live on the HTTP server: the upgrade runs the express-session middleware
 * and is refused with 401 when the session has no user (the ws README's "client authentication").
 */
export function attachLive({ server, sessionMiddleware, feed, orders, config, state }) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  wss.on('headers', (headers) => {
    headers.push(`X-Served-By: ${config.podName}`);
  });

  server.on('upgrade', (request, socket, head) => {
    socket.on('error', onSocketError);
    const url = new URL(request.url, 'http://localhost');
    if (url.pathname !== '/live') return reject(socket, 404, 'Not Found', config.podName);
    if (state.closing) return reject(socket, 503, 'Service Unavailable', config.podName);
    const resume = parseResume(url.searchParams);
    if (!resume.ok) return reject(socket, 400, 'Bad Request', config.podName);

    sessionMiddleware(request, {}, (err) => {
      if (err) {
        console.error('session lookup failed on upgrade:', err.message);
        return reject(socket, 500, 'Internal Server Error', config.podName);
      }
      if (!request.session?.user) return reject(socket, 401, 'Unauthorized', config.podName);

      socket.removeListener('error', onSocketError);
      wss.handleUpgrade(request, socket, head, (ws) => {
        wss.emit('connection', ws, request, { user: request.session.user, resume });
      });
    });
  });

  wss.on('connection', async (ws, request, { user, resume }) => {
    ws.isAlive = true;
    ws.on('pong', () => {
      ws.isAlive = true;
    });
    ws.on('error', (err) => console.error('websocket error:', err.message));

    const sub = feed.join((event) => send(ws, { op: 'tick', ...event }));
    ws.on('close', () => feed.leave(sub));

    ws.on('message', async (data, isBinary) => {
      let msg;
      try {
        msg = JSON.parse(isBinary ? '' : data.toString());
      } catch {
        return send(ws, { reply: 'error', message: 'frames must be JSON text' });
      }
      if (msg?.op !== 'place')
        return send(ws, { reply: 'error', message: `unknown op ${JSON.stringify(msg?.op)}` });
      const order = parsePlace(msg);
      if (!order) {
        return send(ws, {
          reply: 'error',
          message: 'place needs ref, sku (strings) and qty (a positive integer)',
        });
      }
      try {
        const result = await orders.place(user.name, order);
        send(ws, { reply: 'place', ref: order.ref, result });
      } catch (err) {
        console.error('place failed:', err.message);
        send(ws, { reply: 'error', ref: order.ref, message: 'order could not be placed, retry' });
      }
    });

    try {
      const epoch = await feed.epoch();
      send(ws, { op: 'welcome', epoch, account: user.name, node: config.podName });
      // `no-replay`: the resume point is read but never used, so a reconnecting client gets live events only.
      let from = config.fault === 'no-replay' ? null : resume.offset;
      // Another epoch means the feed history was reset since the client's offset: send all we have.
      if (from !== null && resume.epoch !== null && resume.epoch !== epoch) from = 0;
      await feed.catchUp(sub, from);
    } catch (err) {
      console.error('feed catch-up failed:', err.message);
      ws.close(1011, 'feed unavailable');
    }
  });

  // The feed history was lost (Redis data reset): the clients' offsets mean nothing any more. They
  // reconnect, get the new epoch in the welcome, and a resume with the old epoch replays everything.
  feed.on('reset', () => {
    for (const ws of wss.clients) ws.close(1012, 'feed reset');
  });

  // Drop connections that stopped answering pings (the ws README's heartbeat).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!ws.isAlive) {
        ws.terminate();
        continue;
      }
      ws.isAlive = false;
      ws.ping();
    }
  }, HEARTBEAT_MS);

  return {
    wss,
    /** Closes every socket with 1001; resolves when all are closed (stragglers terminated after timeoutMs). */
    async closeAll(code, reason, timeoutMs) {
      clearInterval(heartbeat);
      const closed = [...wss.clients].map(
        (ws) =>
          new Promise((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', resolve))),
      );
      for (const ws of wss.clients) ws.close(code, reason);
      const timer = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, timeoutMs);
      await Promise.all(closed);
      clearTimeout(timer);
    },
  };
}
