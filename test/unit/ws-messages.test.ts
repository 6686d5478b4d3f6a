/** Raw WebSocket frames → validator events, through the reference profile. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientMessage } from '../../app/src/protocol.ts';
import type { TargetProfile } from '../../scripts/lib/profile.ts';
import { orderFrame, parseWsEvent } from '../../scripts/lib/ws-messages.ts';
import { referenceProfile } from '../../scripts/profiles/reference.ts';

const hello = {
  type: 'hello',
  user: 'zd-user-w1',
  sessionId: 'sess-1',
  pod: 'app-7c9-abcde',
  color: 'blue',
  version: '1.2.3',
  resumedFrom: null,
  replayed: 0,
};
const feed = { type: 'feed', id: '1732233600000-0', seq: 42, cid: 'feed-000042', ts: 1732233600000 };
const ack = { type: 'ack', cid: 'run-1-w1-1', status: 'applied' };

const frame = (value: unknown) => JSON.stringify(value);
/** Parsed as the reference target runs. */
const strict = (raw: string) => parseWsEvent(raw, referenceProfile);
/** Parsed through the profile's field paths only, as a custom JSON profile runs. */
const lenient = (raw: string) => parseWsEvent(raw, referenceProfile);

describe('parseWsEvent with the reference profile', () => {
  it('reads a hello', () => {
    assert.deepEqual(strict(frame(hello)), {
      kind: 'hello',
      user: 'zd-user-w1',
      sessionId: 'sess-1',
      pod: 'app-7c9-abcde',
      color: 'blue',
    });
  });

  it('reads a resumed hello', () => {
    const event = strict(frame({ ...hello, resumedFrom: '1732233600000-0', replayed: 12 }));
    assert.equal(event.kind, 'hello');
  });

  it('reads a feed message with its publish time', () => {
    assert.deepEqual(strict(frame(feed)), {
      kind: 'feed',
      seq: 42,
      cursor: '1732233600000-0',
      cid: 'feed-000042',
      ts: 1732233600000,
    });
  });

  it('reads applied and duplicate acks', () => {
    assert.deepEqual(strict(frame(ack)), { kind: 'ack', cid: 'run-1-w1-1', duplicate: false });
    assert.deepEqual(strict(frame({ ...ack, status: 'duplicate' })), {
      kind: 'ack',
      cid: 'run-1-w1-1',
      duplicate: true,
    });
  });

  it('passes protocol errors on as other frames', () => {
    assert.deepEqual(strict(frame({ type: 'error', code: 'unavailable', message: 'try later' })), {
      kind: 'other',
      type: 'error',
    });
  });

  it('rejects text that is not JSON, before any validation', () => {
    for (const raw of ['', 'hello', '{"type":"feed"', "{'type':'ack'}", 'undefined']) {
      assert.deepEqual(strict(raw), { kind: 'invalid', reason: 'not JSON' }, raw);
      assert.deepEqual(lenient(raw), { kind: 'invalid', reason: 'not JSON' }, raw);
    }
  });
});

describe('parseWsEvent through the profile alone (no strict validator)', () => {
  it('flags a hello without user or session id', () => {
    const expected = { kind: 'invalid', reason: 'hello without identity' };
    assert.deepEqual(lenient(frame({ ...hello, user: undefined })), expected);
    assert.deepEqual(lenient(frame({ ...hello, sessionId: null })), expected);
  });

  it('uses "unknown" for a hello without pod or color', () => {
    const event = lenient(frame({ type: 'hello', user: 'u', sessionId: 's' }));
    assert.deepEqual(event, { kind: 'hello', user: 'u', sessionId: 's', pod: 'unknown', color: 'unknown' });
  });

  it('reads numeric identities as strings', () => {
    const event = lenient(frame({ type: 'hello', user: 7, sessionId: 99 }));
    assert.deepEqual(event, { kind: 'hello', user: '7', sessionId: '99', pod: 'unknown', color: 'unknown' });
  });

  it('flags a feed message without seq, cursor or cid', () => {
    const expected = { kind: 'invalid', reason: 'feed message without seq, cursor or cid' };
    for (const broken of [
      { ...feed, seq: undefined },
      { ...feed, seq: null },
      { ...feed, seq: '' },
      { ...feed, seq: true },
      { ...feed, seq: 'forty-two' },
      { ...feed, seq: 4.5 },
      { ...feed, id: undefined },
      { ...feed, cid: { nested: 'x' } },
    ]) {
      assert.deepEqual(lenient(frame(broken)), expected, frame(broken));
    }
  });

  it('accepts a numeric-string seq', () => {
    const event = lenient(frame({ ...feed, seq: '42' }));
    assert.equal(event.kind === 'feed' && event.seq, 42);
  });

  it('has no publish time when ts is missing or not a number', () => {
    for (const ts of [undefined, null, true, '', 'yesterday']) {
      const event = lenient(frame({ ...feed, ts }));
      assert.equal(event.kind, 'feed');
      assert.equal(event.kind === 'feed' && event.ts, null, `ts ${JSON.stringify(ts)}`);
    }
  });

  it('flags an ack without cid and treats an unknown status as applied', () => {
    assert.deepEqual(lenient(frame({ type: 'ack', status: 'applied' })), {
      kind: 'invalid',
      reason: 'ack without cid',
    });
    assert.deepEqual(lenient(frame({ ...ack, status: 'weird' })), {
      kind: 'ack',
      cid: ack.cid,
      duplicate: false,
    });
  });

  it('reports unknown types as other', () => {
    assert.deepEqual(lenient(frame({ type: 'ping' })), { kind: 'other', type: 'ping' });
  });

  it('follows nested field paths of a custom profile', () => {
    const custom: TargetProfile = {
      ...referenceProfile,
      websocket: {
        ...referenceProfile.websocket,
        typeField: 'meta.kind',
        feed: { type: 'tick', seq: 'meta.n', cursor: 'meta.offset', cid: 'body.id' },
        ack: { type: 'receipt', cid: 'body.ref', status: 'body.outcome', duplicateStatus: 'seen' },
      },
    };
    const tick = frame({ meta: { kind: 'tick', n: 9, offset: 'o-9' }, body: { id: 'b-9' }, ts: 5 });
    assert.deepEqual(parseWsEvent(tick, custom), {
      kind: 'feed',
      seq: 9,
      cursor: 'o-9',
      cid: 'b-9',
      ts: null,
    });
    const receipt = frame({ meta: { kind: 'receipt' }, body: { ref: 'r-1', outcome: 'seen' } });
    assert.deepEqual(parseWsEvent(receipt, custom), { kind: 'ack', cid: 'r-1', duplicate: true });
  });
});

describe('orderFrame', () => {
  it('fills the cid into the reference order, which the service accepts', () => {
    const raw = orderFrame(referenceProfile, 'run-1-w7-3');
    assert.deepEqual(JSON.parse(raw), { type: 'order', cid: 'run-1-w7-3', item: 'zd-widget', qty: 1 });
    assert.deepEqual(parseClientMessage(raw), {
      type: 'order',
      cid: 'run-1-w7-3',
      item: 'zd-widget',
      qty: 1,
    });
  });

  it('keeps numbers as numbers and fills the cid inside longer strings', () => {
    const custom: TargetProfile = {
      ...referenceProfile,
      websocket: { ...referenceProfile.websocket, order: { op: 'buy', ref: 'order-{cid}', amount: 2.5 } },
    };
    assert.equal(orderFrame(custom, 'c1'), '{"op":"buy","ref":"order-c1","amount":2.5}');
  });

  it('JSON-escapes hostile cids', () => {
    const raw = orderFrame(referenceProfile, '"},"qty":999,"x":"');
    assert.equal((JSON.parse(raw) as { qty: number }).qty, 1);
  });
});
