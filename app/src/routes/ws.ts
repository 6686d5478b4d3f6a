/**
 * GET /ws (WebSocket), authenticated by the session cookie like the HTTP routes.
 *
 * - No live session: the upgrade is accepted, then closed at once with 4401 "unauthorized".
 * - On open: `hello`, then (with `?lastId=<stream id>`) every entry after lastId, then live entries.
 * - `order` frames are applied once per cid and acked; each re-checks the session first.
 * - Invalid frames get an `error` message; a frame that is not JSON also closes the socket with 4400.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { FeedReader } from '../feed.ts';
import { FeedSubscription } from '../feed-subscription.ts';
import { type FrameData, parseClientFrame } from '../frames.ts';
import type { Identity } from '../identity.ts';
import type { BadMode } from '../modes.ts';
import type { OrderBook } from '../orders.ts';
import {
  type AckMessage,
  CloseCode,
  ErrorCode,
  type ErrorMessage,
  type HelloMessage,
  type OrderMessage,
} from '../protocol.ts';
import { identifySession, type SessionGuard } from '../session-guard.ts';
import type { StoredSession } from '../sessions.ts';
import { parseStreamId } from '../stream-id.ts';

export interface SocketRouteOptions {
  readonly guard: SessionGuard;
  readonly reader: FeedReader;
  readonly orders: OrderBook;
  readonly identity: Identity;
  readonly badMode: BadMode;
}

export default async function socketRoutes(fastify: FastifyInstance, options: SocketRouteOptions) {
  fastify.get<{ Querystring: { lastId?: string | string[] } }>(
    '/ws',
    { websocket: true, preValidation: identifySession(options.guard) },
    (socket, request) => {
      const session = request.session?.session;
      if (!session) {
        socket.close(CloseCode.unauthorized, 'unauthorized');
        return;
      }
      const { lastId } = request.query;
      const wanted = lastId === undefined || lastId === '' ? null : lastId;
      if (wanted !== null && (typeof wanted !== 'string' || parseStreamId(wanted) === null)) {
        sendJson(
          socket,
          errorMessage(ErrorCode.badLastId, 'lastId must be a stream id like 1732233600000-0'),
        );
        socket.close(CloseCode.badFrame, 'bad lastId');
        return;
      }
      serveSocket(socket, session, wanted, options, request.log);
    },
  );
}

function serveSocket(
  socket: WebSocket,
  session: StoredSession,
  lastId: string | null,
  options: SocketRouteOptions,
  log: FastifyInstance['log'],
): void {
  // BAD_MODE=no-resume: the cursor the client sends is ignored; it restarts with live entries only.
  const resumeFrom = options.badMode === 'no-resume' ? null : lastId;
  const subscription = new FeedSubscription(options.reader, (frame) => {
    if (socket.readyState === socket.OPEN) socket.send(frame, { binary: false });
  });
  const live = subscription.start(resumeFrom).then((replay) => {
    const hello: HelloMessage = {
      type: 'hello',
      user: session.user,
      sessionId: session.sessionId,
      pod: options.identity.podName,
      color: options.identity.color,
      version: options.identity.version,
      resumedFrom: resumeFrom,
      replayed: replay.length,
    };
    sendJson(socket, hello);
    subscription.goLive(replay);
  });
  live.catch((err) => {
    log.warn({ err }, 'could not start the feed for a socket');
    sendJson(socket, errorMessage(ErrorCode.unavailable, 'feed unavailable; reconnect with lastId'));
    socket.close(CloseCode.unavailable, 'feed unavailable');
  });

  socket.on('message', (data: FrameData, isBinary: boolean) => {
    const frame = parseClientFrame(data, isBinary);
    if (!frame.ok) {
      sendJson(socket, errorMessage(frame.code, frame.reason));
      if (frame.close) socket.close(CloseCode.badFrame, 'bad frame');
      return;
    }
    live
      .then(() => applyOrder(socket, session, frame.message, options))
      .catch((err) => {
        log.warn({ err, cid: frame.message.cid }, 'order not applied');
        sendJson(
          socket,
          errorMessage(ErrorCode.unavailable, `order ${frame.message.cid} not applied; resend it`),
        );
      });
  });
  socket.on('close', () => subscription.stop());
}

async function applyOrder(
  socket: WebSocket,
  session: StoredSession,
  order: OrderMessage,
  options: SocketRouteOptions,
): Promise<void> {
  const check = await options.guard.check(session.sessionId);
  if (!check.ok) {
    sendJson(socket, errorMessage(ErrorCode.sessionEnded, check.reason));
    socket.close(CloseCode.unauthorized, 'unauthorized');
    return;
  }
  const status = await options.orders.apply(order, session.user);
  const ack: AckMessage = { type: 'ack', cid: order.cid, status };
  sendJson(socket, ack);
}

function errorMessage(code: ErrorCode, message: string): ErrorMessage {
  return { type: 'error', code, message };
}

function sendJson(socket: WebSocket, message: HelloMessage | AckMessage | ErrorMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
