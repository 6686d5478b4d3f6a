/**
 * The express-ws example's protocol as a zerodrop adapter (docs/adapters.md): the login, the identity,
 * the live frames and the resume written as code instead of profile fields, for
 * `make bundle ADAPTER=examples/express-ws/zerodrop-adapter.ts` with `zerodrop-adapter.json` as the
 * profile. It checks what the JSON profile checks and more that JSON cannot say: a tick's offset must be
 * a non-negative integer and its price a number, an ack must name the order it answers, and a welcome
 * without an epoch is a broken frame (the resume would be wrong) rather than an unrecognised one.
 */
import type {
  Frame,
  HttpReply,
  IdentitySeen,
  LoginInput,
  LoginOutcome,
  Opening,
  Seen,
} from '../../validator/adapter/adapter.ts';

function json(text: string | null): Record<string, unknown> | null {
  try {
    const value: unknown = text === null ? null : JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const userName = (body: Record<string, unknown> | null) =>
  text((body?.user as { name?: unknown } | undefined)?.name);

/** POST /api/session with the credentials as JSON; the answer names the account. */
export async function login({ user, password, send }: LoginInput): Promise<LoginOutcome> {
  const reply = await send({
    method: 'POST',
    path: '/api/session',
    body: JSON.stringify({ username: user, password }),
    headers: { 'Content-Type': 'application/json' },
  });
  if (reply.status !== 200)
    return { ok: false, reason: `POST /api/session: status ${reply.status} ${reply.error ?? ''}`.trim() };
  const named = userName(json(reply.body));
  return named === null
    ? { ok: false, reason: 'POST /api/session named no user' }
    : { ok: true, user: named };
}

/** GET /api/profile names the account at user.name. */
export function identity(reply: HttpReply): IdentitySeen {
  return { user: userName(json(reply.body)) };
}

/** The kinds classify returns. */
export const frames = ['greeting', 'feed', 'ack', 'error'] as const;

/** Frames from /live: `op` tells server pushes (welcome, tick) apart, `reply` the answers to our frames. */
export function classify(message: string): Frame {
  const frame = json(message);
  if (frame === null) return { kind: 'invalid', reason: 'not a JSON object' };
  switch (frame.op) {
    case 'welcome':
      if (typeof frame.epoch !== 'string' || frame.epoch === '')
        return { kind: 'invalid', reason: 'welcome without an epoch' };
      return { kind: 'greeting', user: text(frame.account), pod: text(frame.node) };
    case 'tick': {
      const offset = frame.offset;
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
        return { kind: 'invalid', reason: `tick with offset ${JSON.stringify(offset)}` };
      if (typeof frame.price !== 'number') return { kind: 'invalid', reason: 'tick without a price' };
      return { kind: 'feed', seq: offset, publishedAt: typeof frame.at === 'number' ? frame.at : null };
    }
  }
  switch (frame.reply) {
    case 'place': {
      const ref = text(frame.ref);
      if (ref === null) return { kind: 'invalid', reason: 'place reply without a ref' };
      const outcome = frame.result === 'ok' ? 'applied' : frame.result === 'replayed' ? 'duplicate' : 'other';
      return { kind: 'ack', id: ref, outcome };
    }
    case 'error':
      return { kind: 'error' };
  }
  return { kind: 'other' };
}

/** A reconnect names the last offset seen and the epoch of the feed it belongs to. */
export function resume(seen: Seen | null): Opening {
  if (seen === null) return {};
  const epoch = text(json(seen.greeting?.text ?? null)?.epoch);
  return { query: { offset: String(seen.feed.seq), ...(epoch === null ? {} : { epoch }) } };
}

/** One unit of the synthetic widget, under zerodrop's unique order id. */
export function order(id: string): string {
  return JSON.stringify({ op: 'place', ref: id, sku: 'zd-widget', qty: 1 });
}
