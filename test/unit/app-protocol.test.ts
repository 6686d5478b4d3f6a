/** The reference service's WebSocket protocol: valid frames parse, hostile ones are rejected. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientMessage, parseServerMessage } from '../../app/src/protocol.ts';

const hello = {
  type: 'hello',
  user: 'alice',
  sessionId: 'sess-1',
  pod: 'app-1',
  color: 'blue',
  version: '1.0.0',
  resumedFrom: null,
  replayed: 0,
};
const feed = { type: 'feed', id: '1732233600000-0', seq: 1, cid: 'feed-0001', ts: 1732233600000 };
const ack = { type: 'ack', cid: 'order-0001', status: 'applied' };
const error = { type: 'error', code: 'bad_json', message: 'not JSON' };
const order = { type: 'order', cid: 'run1-w1-1', item: 'zd-widget', qty: 1 };

const json = (value: unknown) => JSON.stringify(value);

describe('parseServerMessage', () => {
  it('accepts every server frame', () => {
    for (const frame of [
      hello,
      { ...hello, resumedFrom: '1732233600000-5', replayed: 6 },
      feed,
      ack,
      error,
    ]) {
      assert.deepEqual(parseServerMessage(json(frame)), frame);
    }
    assert.deepEqual(parseServerMessage(json({ ...ack, status: 'duplicate' })), {
      ...ack,
      status: 'duplicate',
    });
  });

  it('drops unknown extra fields', () => {
    assert.deepEqual(parseServerMessage(json({ ...feed, extra: true })), feed);
  });

  it('rejects text that is not JSON', () => {
    for (const raw of ['', 'hello', '{"type":"feed"', '{type:"ack"}', '\u0000']) {
      assert.equal(parseServerMessage(raw), null, JSON.stringify(raw));
    }
  });

  it('rejects JSON that is not a server frame', () => {
    const hostile: unknown[] = [
      null,
      42,
      'feed',
      [feed],
      {},
      { type: 'order', cid: 'run1-w1-1', item: 'x', qty: 1 },
      { type: 'HELLO' },
      { ...hello, user: undefined },
      { ...hello, replayed: -1 },
      { ...hello, replayed: 1.5 },
      { ...hello, resumedFrom: 'latest' },
      { ...feed, seq: 0 },
      { ...feed, seq: '1' },
      { ...feed, seq: 1.5 },
      { ...feed, id: '1732233600000' },
      { ...feed, id: '1-0\n' },
      { ...feed, cid: 'short' },
      { ...feed, cid: 'x'.repeat(65) },
      { ...feed, cid: 'has space!' },
      { ...feed, ts: '1732233600000' },
      { ...ack, status: 'maybe' },
      { ...ack, cid: '<script>alert(1)</script>' },
      { ...error, code: 42 },
    ];
    for (const value of hostile) assert.equal(parseServerMessage(json(value)), null, json(value));
  });

  it('is not fooled by __proto__ keys', () => {
    const raw = '{"__proto__":{"type":"ack","cid":"order-0001","status":"applied"}}';
    assert.equal(parseServerMessage(raw), null);
  });
});

describe('parseClientMessage', () => {
  it('accepts a valid order', () => {
    assert.deepEqual(parseClientMessage(json(order)), order);
    assert.deepEqual(parseClientMessage(json({ ...order, qty: 1000, item: 'x'.repeat(64) })), {
      ...order,
      qty: 1000,
      item: 'x'.repeat(64),
    });
  });

  it('rejects text that is not JSON', () => {
    assert.equal(parseClientMessage('order please'), null);
    assert.equal(parseClientMessage(''), null);
  });

  it('rejects hostile and malformed orders', () => {
    const hostile: unknown[] = [
      null,
      [order],
      { ...order, type: 'ack' },
      ack,
      { ...order, cid: undefined },
      { ...order, cid: 'short' },
      { ...order, cid: "x'; DROP TABLE orders;--" },
      { ...order, cid: 'a'.repeat(65) },
      { ...order, item: 'x'.repeat(65) },
      { ...order, item: 7 },
      { ...order, qty: 0 },
      { ...order, qty: -1 },
      { ...order, qty: 1001 },
      { ...order, qty: 1.5 },
      { ...order, qty: '1' },
      { ...order, qty: Number.MAX_SAFE_INTEGER },
    ];
    for (const value of hostile) assert.equal(parseClientMessage(json(value)), null, json(value));
  });

  it('rejects deeply nested JSON without crashing', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    assert.equal(parseClientMessage(deep), null);
  });
});
