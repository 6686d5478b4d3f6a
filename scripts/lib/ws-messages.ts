/** Turns raw WebSocket frames into the events the validator tracks, through the target profile. Pure. */
import { pick, type TargetProfile } from './profile.ts';

export type WsEvent =
  | { kind: 'hello'; user: string; sessionId: string; pod: string; color: string }
  | { kind: 'feed'; seq: number; cursor: string; cid: string; ts: number | null }
  | { kind: 'ack'; cid: string; duplicate: boolean }
  | { kind: 'other'; type: string }
  | { kind: 'invalid'; reason: string };

export function parseWsEvent(raw: string, profile: TargetProfile): WsEvent {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const ws = profile.websocket;
  const type = pick(data, ws.typeField);
  const str = (path: string) => {
    const value = pick(data, path);
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
  };
  // A number or a numeric string; null, booleans and blanks are not numbers (Number() would make them 0 or 1).
  const num = (path: string) => {
    const text = str(path);
    return text === null || text.trim() === '' ? Number.NaN : Number(text);
  };
  if (type === ws.hello.type) {
    const user = str(ws.hello.user);
    const sessionId = str(ws.hello.sessionId);
    if (user === null || sessionId === null) return { kind: 'invalid', reason: 'hello without identity' };
    return {
      kind: 'hello',
      user,
      sessionId,
      pod: str(ws.hello.pod) ?? 'unknown',
      color: str(ws.hello.color) ?? 'unknown',
    };
  }
  if (type === ws.feed.type) {
    const seq = num(ws.feed.seq);
    const cursor = str(ws.feed.cursor);
    const cid = str(ws.feed.cid);
    if (!Number.isInteger(seq) || cursor === null || cid === null)
      return { kind: 'invalid', reason: 'feed message without seq, cursor or cid' };
    const ts = ws.feed.publishedAt ? num(ws.feed.publishedAt) : Number.NaN;
    return { kind: 'feed', seq, cursor, cid, ts: Number.isFinite(ts) ? ts : null };
  }
  if (type === ws.ack.type) {
    const cid = str(ws.ack.cid);
    if (cid === null) return { kind: 'invalid', reason: 'ack without cid' };
    return { kind: 'ack', cid, duplicate: str(ws.ack.status) === ws.ack.duplicateStatus };
  }
  return { kind: 'other', type: String(type) };
}

/** The order frame for a correlation id. */
export function orderFrame(profile: TargetProfile, cid: string): string {
  const frame: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(profile.websocket.order)) {
    frame[key] = typeof value === 'string' ? value.replace('{cid}', cid) : value;
  }
  return JSON.stringify(frame);
}
