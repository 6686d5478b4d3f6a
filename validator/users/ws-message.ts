/**
 * One received WebSocket text message as a client of the profile reads it: a Socket.IO packet decoded
 * (socketio.ts), or a raw-JSON frame parsed. The WebSocket users and the profile check read messages here.
 * Pure: no k6 imports.
 */

import type { Adapter, Frame, Opening } from '../adapter/adapter.ts';
import { checkedFrame } from '../adapter/adapter.ts';
import type { WebSocketProfile } from '../profile/profile.ts';
import { fillTemplate, type ResumeValues, type WsEvent } from './frames.ts';
import { decodeSio, type SioInput } from './socketio.ts';

export function readMessage(text: string, ws: WebSocketProfile): SioInput {
  if (ws.protocol === 'socket.io') return decodeSio(text, ws.namespace ?? '/');
  try {
    return { kind: 'frame', frame: JSON.parse(text) };
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
}

/** What a reconnecting client sends to resume besides the query: the first message (JSON) or the Socket.IO auth. */
export function resumePayload(
  ws: WebSocketProfile,
  values: ResumeValues | null,
  kind: 'message' | 'auth',
): unknown {
  const template = ws.resume?.[kind];
  return values && template !== undefined ? fillTemplate(template, values) : undefined;
}

/** A text message classified by the adapter's classify: the event zerodrop tracks, and any reply to send. */
export function adapterMessage(text: string, adapter: Adapter): { event: WsEvent; reply?: string } {
  let frame: Frame;
  try {
    frame = checkedFrame((adapter.classify as NonNullable<Adapter['classify']>)(text), adapter.frames ?? []);
  } catch (error) {
    return { event: { kind: 'invalid', reason: `the adapter's classify threw ${String(error)}` } };
  }
  const reply = typeof frame.reply === 'string' ? { reply: frame.reply } : {};
  const orNull = <T>(value: T | undefined) => value ?? null;
  switch (frame.kind) {
    case 'greeting':
      return {
        event: {
          kind: 'greeting',
          user: orNull(frame.user),
          sessionId: orNull(frame.sessionId),
          pod: orNull(frame.pod),
          color: orNull(frame.color),
          frame: text,
        },
        ...reply,
      };
    case 'feed':
      return {
        event: { kind: 'feed', seq: frame.seq, ts: orNull(frame.publishedAt), frame: text },
        ...reply,
      };
    case 'ack':
      return { event: { kind: 'ack', id: frame.id, outcome: frame.outcome, frame: text }, ...reply };
    case 'error':
      return { event: { kind: 'error', frame: text }, ...reply };
    case 'other':
      return { event: { kind: 'other' }, ...reply };
    case 'invalid':
      return { event: { kind: 'invalid', reason: frame.reason }, ...reply };
  }
}

/**
 * How a connection opens with the adapter's resume: `previous` is what the connection before saw (null
 * on the first one, or before any feed message).
 */
export function adapterOpening(
  adapter: Adapter,
  previous: { feed: WsEvent | null; greeting: WsEvent | null; sessionId: string | null } | null,
): Opening {
  const resume = adapter.resume as NonNullable<Adapter['resume']>;
  const feed = previous?.feed;
  if (!previous || feed?.kind !== 'feed') return resume(null);
  const greeting = previous.greeting?.kind === 'greeting' ? previous.greeting : null;
  return resume({
    feed: { seq: feed.seq, text: asText(feed.frame) },
    greeting: greeting && {
      text: asText(greeting.frame),
      user: greeting.user,
      sessionId: greeting.sessionId,
    },
    sessionId: previous.sessionId,
  });
}

const asText = (frame: unknown) => (typeof frame === 'string' ? frame : JSON.stringify(frame));

/** A URL with query parameters added. */
export function withQueryParams(url: string, query: Record<string, string> | undefined): string {
  const params = Object.entries(query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return params ? `${url}${url.includes('?') ? '&' : '?'}${params}` : url;
}
