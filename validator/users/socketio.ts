/**
 * Socket.IO v4 over a raw WebSocket (Engine.IO v4 framing, Socket.IO protocol v5), decoded into plain
 * JSON values the profile's matchers read: `{type:"event", event, data, args}` for an EVENT (data = the
 * first argument), `{type:"ack", id, data, args}` for an ACK of ours. Facts: targets.md §4.
 * Pure: no k6 imports.
 */

export type SioInput =
  /** Engine.IO open packet: send the namespace CONNECT next. */
  | { kind: 'open' }
  /** Engine.IO ping: answer with a pong. */
  | { kind: 'ping' }
  /** Namespace CONNECT granted (`40{"sid":…}`). */
  | { kind: 'connected' }
  /** CONNECT_ERROR: the middleware refused the socket (e.g. no session). */
  | { kind: 'refused'; message: string }
  /** The server left the namespace (`41`). */
  | { kind: 'disconnect' }
  | { kind: 'frame'; frame: unknown }
  /** An ACK for one of our ack ids. */
  | { kind: 'ack'; ackId: number; args: unknown[] }
  | { kind: 'ignore' }
  | { kind: 'invalid'; reason: string };

/** Splits `[<nsp>,][<ack id>][JSON]` after the packet type digit. */
function body(rest: string, namespace: string): { ackId: number | null; payload: unknown } | null {
  let s = rest;
  if (namespace !== '/') {
    if (!s.startsWith(`${namespace},`)) return null;
    s = s.slice(namespace.length + 1);
  }
  const digits = /^\d+/.exec(s);
  const ackId = digits ? Number(digits[0]) : null;
  if (digits) s = s.slice(digits[0].length);
  if (s === '') return { ackId, payload: undefined };
  try {
    return { ackId, payload: JSON.parse(s) };
  } catch {
    return null;
  }
}

export function decodeSio(raw: string, namespace = '/'): SioInput {
  switch (raw[0]) {
    case '0':
      return { kind: 'open' };
    case '2':
      return { kind: 'ping' };
    case '3':
    case '6':
      return { kind: 'ignore' };
    case '1':
      return { kind: 'disconnect' };
    case '4':
      break;
    default:
      return { kind: 'invalid', reason: `unknown Engine.IO packet type '${raw[0] ?? ''}'` };
  }
  const type = raw[1];
  const parsed = body(raw.slice(2), namespace);
  if (parsed === null) return { kind: 'ignore' };
  const args = Array.isArray(parsed.payload) ? parsed.payload : [];
  switch (type) {
    case '0':
      return { kind: 'connected' };
    case '1':
      return { kind: 'disconnect' };
    case '2': {
      const [event, ...rest] = args;
      if (typeof event !== 'string') return { kind: 'invalid', reason: 'EVENT without a name' };
      return { kind: 'frame', frame: { type: 'event', event, data: rest[0], args: rest } };
    }
    case '3':
      return parsed.ackId === null
        ? { kind: 'invalid', reason: 'ACK without an id' }
        : { kind: 'ack', ackId: parsed.ackId, args };
    case '4': {
      const message = (parsed.payload as { message?: unknown } | undefined)?.message;
      return { kind: 'refused', message: typeof message === 'string' ? message : 'connect error' };
    }
    default:
      return { kind: 'ignore' };
  }
}

const prefix = (namespace: string) => (namespace === '/' ? '' : `${namespace},`);

/** The namespace CONNECT, with an auth payload when given. */
export function sioConnect(namespace: string, auth: unknown): string {
  return `40${prefix(namespace)}${auth === undefined ? '' : JSON.stringify(auth)}`;
}

export const sioPong = '3';

/** An EVENT asking for an acknowledgement with `ackId`. */
export function sioEmitWithAck(namespace: string, ackId: number, event: string, data: unknown): string {
  return `42${prefix(namespace)}${ackId}${JSON.stringify(data === undefined ? [event] : [event, data])}`;
}
