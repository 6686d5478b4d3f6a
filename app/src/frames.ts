/**
 * Reads one client WebSocket frame: size, then kind, then JSON, then schema. Never throws; every
 * rejection names the ErrorCode to send and whether the socket must then be closed (4400).
 */
import * as v from 'valibot';
import { ClientMessage, ErrorCode, MAX_CLIENT_FRAME_BYTES } from './protocol.ts';

export type FrameData = Buffer | ArrayBuffer | Buffer[];

export type ParsedFrame =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string; readonly close: boolean };

export function parseClientFrame(data: FrameData, isBinary: boolean): ParsedFrame {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) {
    return reject(ErrorCode.frameTooLarge, `frame exceeds ${MAX_CLIENT_FRAME_BYTES} bytes`, false);
  }
  if (isBinary) return reject(ErrorCode.binaryFrame, 'binary frames are not accepted; send JSON text', false);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return reject(ErrorCode.badJson, 'frame is not JSON', true);
  }
  const result = v.safeParse(ClientMessage, json);
  if (result.success) return { ok: true, message: result.output };
  return reject(
    ErrorCode.invalidMessage,
    `not a valid message: ${result.issues[0].message.slice(0, 200)}`,
    false,
  );
}

function reject(code: ErrorCode, reason: string, close: boolean): ParsedFrame {
  return { ok: false, code, reason, close };
}
