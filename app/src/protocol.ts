/**
 * The reference service's WebSocket protocol: one definition, shared by the service (app/) and the
 * validator's reference target profile (validator/). Types are derived from the schemas.
 *
 * Frames are JSON text. Server → client: hello, feed, ack, error. Client → server: order.
 * Resume: connect to `/ws?lastId=<stream entry id>`; the server replays every feed entry after it
 * before any live entry, with no gap and no duplicate.
 */
import * as v from 'valibot';

/** Redis stream entry id, e.g. `1732233600000-0`. */
export const StreamId = v.pipe(v.string(), v.regex(/^\d+-\d+$/));

/** Correlation id: 8–64 chars of [A-Za-z0-9_-]. */
export const CorrelationId = v.pipe(v.string(), v.regex(/^[\w-]{8,64}$/));

export const HelloMessage = v.object({
  type: v.literal('hello'),
  user: v.string(),
  sessionId: v.string(),
  pod: v.string(),
  color: v.string(),
  version: v.string(),
  /** The lastId the client asked to resume from, or null for a fresh subscription. */
  resumedFrom: v.nullable(StreamId),
  /** How many entries were replayed before live delivery started. */
  replayed: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const FeedMessage = v.object({
  type: v.literal('feed'),
  /** Stream entry id: the resume cursor. */
  id: StreamId,
  /** Global sequence number, contiguous across the whole stream (1, 2, 3, …). */
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  cid: CorrelationId,
  /** Publish time, epoch milliseconds. */
  ts: v.number(),
});

export const AckMessage = v.object({
  type: v.literal('ack'),
  cid: CorrelationId,
  /** `applied` the first time a cid is seen, `duplicate` for every resend. */
  status: v.picklist(['applied', 'duplicate']),
});

export const ErrorMessage = v.object({
  type: v.literal('error'),
  code: v.string(),
  message: v.string(),
});

export const ServerMessage = v.variant('type', [HelloMessage, FeedMessage, AckMessage, ErrorMessage]);

export const OrderMessage = v.object({
  type: v.literal('order'),
  cid: CorrelationId,
  item: v.pipe(v.string(), v.maxLength(64)),
  qty: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
});

export const ClientMessage = v.variant('type', [OrderMessage]);

export type HelloMessage = v.InferOutput<typeof HelloMessage>;
export type FeedMessage = v.InferOutput<typeof FeedMessage>;
export type AckMessage = v.InferOutput<typeof AckMessage>;
export type ErrorMessage = v.InferOutput<typeof ErrorMessage>;
export type ServerMessage = v.InferOutput<typeof ServerMessage>;
export type OrderMessage = v.InferOutput<typeof OrderMessage>;
export type ClientMessage = v.InferOutput<typeof ClientMessage>;

export { CloseCode } from './close-codes.ts';

/** Largest client frame the service reads; a larger one is answered with `frame_too_large`. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/** The `code` of an ErrorMessage. */
export const ErrorCode = {
  /** A text frame that is not JSON (garbage): the server sends this, then closes with 4400. */
  badJson: 'bad_json',
  /** Valid JSON that is not a valid ClientMessage; the socket stays open. */
  invalidMessage: 'invalid_message',
  /** A binary frame (the protocol is JSON text); the socket stays open. */
  binaryFrame: 'binary_frame',
  /** A frame larger than MAX_CLIENT_FRAME_BYTES; the socket stays open. */
  frameTooLarge: 'frame_too_large',
  /** `lastId` is not a stream id: the server sends this, then closes with 4400. */
  badLastId: 'bad_last_id',
  /** The socket's session was logged out or expired: the server sends this, then closes with 4401. */
  sessionEnded: 'session_ended',
  /** The server could not handle the request now (e.g. Redis unavailable); resend it later. */
  unavailable: 'unavailable',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Parses a raw text frame into a ServerMessage, or returns null when it is not one. */
export function parseServerMessage(raw: string): ServerMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = v.safeParse(ServerMessage, data);
  return result.success ? result.output : null;
}

/** Parses a raw text frame into a ClientMessage, or returns null when it is not one. */
export function parseClientMessage(raw: string): ClientMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = v.safeParse(ClientMessage, data);
  return result.success ? result.output : null;
}
