/**
 * One received WebSocket text message as a client of the profile reads it: a Socket.IO packet decoded
 * (socketio.ts), or a raw-JSON frame parsed. The WebSocket users and the profile check read messages here.
 * Pure: no k6 imports.
 */

import type { WebSocketProfile } from '../profile/profile.ts';
import { fillTemplate, type ResumeValues } from './frames.ts';
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
