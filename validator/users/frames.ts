/**
 * Turns decoded WebSocket frames into the events the validator tracks, through the profile's matchers
 * (each kind of frame recognised by its own field values), and builds the frames the client sends.
 * Pure: no k6 imports.
 */
import { matches, pick, type WebSocketProfile } from '../profile/profile.ts';

export type WsEvent =
  | {
      kind: 'greeting';
      user: string | null;
      sessionId: string | null;
      pod: string | null;
      color: string | null;
      frame: unknown;
    }
  | { kind: 'feed'; seq: number; ts: number | null; frame: unknown }
  | { kind: 'ack'; id: string | null; outcome: 'applied' | 'duplicate' | 'other'; frame: unknown }
  | { kind: 'error'; frame: unknown }
  | { kind: 'other' }
  | { kind: 'invalid'; reason: string };

const text = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;

/** A number or a numeric string; null, booleans and blanks are not numbers (Number() would make them 0 or 1). */
const number = (value: unknown): number => {
  if (typeof value === 'number') return value;
  const t = text(value);
  return t === null || t.trim() === '' ? Number.NaN : Number(t);
};

export function classifyFrame(frame: unknown, ws: WebSocketProfile): WsEvent {
  const { greeting, feed, ack, error } = ws.frames;
  if (feed && matches(frame, feed.match)) {
    const seq = number(pick(frame, feed.seq));
    if (!Number.isInteger(seq))
      return { kind: 'invalid', reason: `feed frame without an integer at ${feed.seq}` };
    const ts = feed.publishedAt ? number(pick(frame, feed.publishedAt)) : Number.NaN;
    return { kind: 'feed', seq, ts: Number.isFinite(ts) ? ts : null, frame };
  }
  if (ack && matches(frame, ack.match)) {
    const id = ack.id === undefined ? null : text(pick(frame, ack.id));
    if (ack.id !== undefined && id === null)
      return { kind: 'invalid', reason: `ack without an id at ${ack.id}` };
    const status = pick(frame, ack.status);
    const outcome = ack.applied.includes(status)
      ? 'applied'
      : ack.duplicate.includes(status)
        ? 'duplicate'
        : 'other';
    return { kind: 'ack', id, outcome, frame };
  }
  if (greeting && matches(frame, greeting.match)) {
    const at = (path: string | undefined) => (path === undefined ? null : text(pick(frame, path)));
    if (greeting.user !== undefined && at(greeting.user) === null)
      return { kind: 'invalid', reason: `greeting without a user at ${greeting.user}` };
    return {
      kind: 'greeting',
      user: at(greeting.user),
      sessionId: at(greeting.sessionId),
      pod: at(greeting.pod),
      color: at(greeting.color),
      frame,
    };
  }
  if (error && matches(frame, error.match)) return { kind: 'error', frame };
  return { kind: 'other' };
}

/** What resume templates can name: the last feed frame, the last greeting, the session. */
export interface ResumeValues {
  feed: unknown;
  greeting: unknown;
  session: { id: string | null };
}

const placeholder = /\{(feed|greeting|session)\.([^{}\s]+)\}/g;

function lookup(values: ResumeValues, scope: string, path: string): unknown {
  return pick(values[scope as keyof ResumeValues], path);
}

/**
 * Fills a JSON template: a string that is exactly one placeholder takes the value as it is (a number
 * stays a number); placeholders inside longer strings are replaced by text. Returns undefined when a
 * placeholder names nothing (the resume point is not known yet).
 */
export function fillTemplate(template: unknown, values: ResumeValues): unknown {
  if (typeof template === 'string') {
    const whole = /^\{(feed|greeting|session)\.([^{}\s]+)\}$/.exec(template);
    if (whole) return lookup(values, whole[1] as string, whole[2] as string) ?? undefined;
    let missing = false;
    const filled = template.replace(placeholder, (_, scope: string, path: string) => {
      const value = text(lookup(values, scope, path));
      if (value === null) missing = true;
      return value ?? '';
    });
    return missing ? undefined : filled;
  }
  if (Array.isArray(template)) {
    const out = template.map((t) => fillTemplate(t, values));
    return out.includes(undefined) ? undefined : out;
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, t] of Object.entries(template)) {
      const value = fillTemplate(t, values);
      if (value === undefined) return undefined;
      out[key] = value;
    }
    return out;
  }
  return template;
}

/** The WebSocket URL with the resume query appended; the plain URL when there is nothing to resume from. */
export function resumeUrl(url: string, ws: WebSocketProfile, values: ResumeValues | null): string {
  const query = ws.resume?.query;
  if (!query || !values) return url;
  const filled = fillTemplate(query, values) as Record<string, unknown> | undefined;
  if (!filled) return url;
  const params = Object.entries(filled)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${url}${url.includes('?') ? '&' : '?'}${params}`;
}

/**
 * `JSON.stringify(withOrderId(template, id))` for many ids, the template filled and serialised once: a
 * marker stands for the id, and each id's JSON string content goes where the marker is. JSON escapes
 * each character on its own, so the text is the one JSON.stringify gives. The marker is letters and
 * digits no serialised template contains, and no suffix of it begins it, so it is found only where it
 * was put. Undefined for a template that has no JSON text.
 */
export function orderText(template: unknown): ((id: string) => string) | undefined {
  const plain = JSON.stringify(template) as string | undefined;
  if (plain === undefined) return undefined;
  let marker = 'zdorderid0';
  while (plain.includes(marker)) marker += '0';
  const parts = (JSON.stringify(withOrderId(template, marker)) as string).split(marker);
  return (id) => parts.join(JSON.stringify(id).slice(1, -1));
}

/** Replaces `{id}` in a template (the order's unique id), keeping everything else as it is. */
export function withOrderId(template: unknown, id: string): unknown {
  // A function, not the id itself: replace() reads `$&` and the like in a replacement string.
  if (typeof template === 'string') return template.replace('{id}', () => id);
  if (Array.isArray(template)) return template.map((t) => withOrderId(t, id));
  if (template !== null && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, withOrderId(v, id)]));
  return template;
}
