/** Socket.IO v4 / Engine.IO v4 framing as it appears on the wire (targets.md §4). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSio, sioConnect, sioEmitWithAck, sioPong } from '../../validator/users/socketio.ts';

describe('decodeSio', () => {
  it('reads the Engine.IO open packet and pings', () => {
    assert.deepEqual(decodeSio('0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000}'), {
      kind: 'open',
    });
    assert.deepEqual(decodeSio('2'), { kind: 'ping' });
    assert.deepEqual(decodeSio('3'), { kind: 'ignore' });
  });

  it('reads CONNECT, CONNECT_ERROR and DISCONNECT', () => {
    assert.deepEqual(decodeSio('40{"sid":"wZX3oN0bSVIhsaknAAAI"}'), { kind: 'connected' });
    assert.deepEqual(decodeSio('44{"message":"Not authorized"}'), {
      kind: 'refused',
      message: 'Not authorized',
    });
    assert.deepEqual(decodeSio('41'), { kind: 'disconnect' });
  });

  it('decodes an EVENT into a frame with its name and first argument', () => {
    assert.deepEqual(decodeSio('42["tick",{"seq":7,"ts":5}]'), {
      kind: 'frame',
      frame: { type: 'event', event: 'tick', data: { seq: 7, ts: 5 }, args: [{ seq: 7, ts: 5 }] },
    });
  });

  it('decodes an ACK with its id', () => {
    assert.deepEqual(decodeSio('4312[{"status":"created"}]'), {
      kind: 'ack',
      ackId: 12,
      args: [{ status: 'created' }],
    });
  });

  it('keeps to its namespace', () => {
    assert.deepEqual(decodeSio('42/admin,["tick",1]', '/admin').kind, 'frame');
    assert.deepEqual(decodeSio('42["tick",1]', '/admin'), { kind: 'ignore' });
    assert.deepEqual(decodeSio('40/admin,{"sid":"x"}', '/admin'), { kind: 'connected' });
  });

  it('flags what is not Socket.IO', () => {
    assert.equal(decodeSio('{"type":"feed"}').kind, 'invalid');
    assert.equal(decodeSio('42[7]').kind, 'invalid');
    assert.equal(decodeSio('43[1]').kind, 'invalid');
    assert.equal(decodeSio('42["tick",').kind, 'ignore');
  });
});

describe('encoding', () => {
  it('writes CONNECT with and without an auth payload, in a namespace too', () => {
    assert.equal(sioConnect('/', undefined), '40');
    assert.equal(sioConnect('/', { lastSeq: 41 }), '40{"lastSeq":41}');
    assert.equal(sioConnect('/admin', { a: 1 }), '40/admin,{"a":1}');
  });

  it('writes an EVENT that asks for an ack, and the pong', () => {
    assert.equal(sioEmitWithAck('/', 3, 'order', { id: 'o-1' }), '423["order",{"id":"o-1"}]');
    assert.equal(sioEmitWithAck('/admin', 0, 'ping', undefined), '42/admin,0["ping"]');
    assert.equal(sioPong, '3');
  });
});
