/** Decoded WebSocket frames → validator events through profile matchers; resume and order templates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientMessage } from '../../app/src/protocol.ts';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import type { WebSocketProfile } from '../../validator/profile/profile.ts';
import {
  classifyFrame,
  fillTemplate,
  orderText,
  resumeUrl,
  withOrderId,
} from '../../validator/users/frames.ts';
import { random } from '../suite/fixtures/json-cases.ts';

const reference = referenceProfile.websocket ?? assert.fail('the reference profile has a websocket section');
const hello = {
  type: 'hello',
  user: 'zd-user-w1',
  sessionId: 'sess-1',
  pod: 'app-7c9',
  color: 'blue',
  version: '1',
};
const feed = { type: 'feed', id: '1732233600000-0', seq: 42, cid: 'feed-000042', ts: 1732233600000 };
const ack = { type: 'ack', cid: 'run-1-w1-1', status: 'applied' };

/** A service whose acks are told apart by another field than its feed frames (seen in the field). */
const foreign: WebSocketProfile = {
  path: '/live',
  frames: {
    greeting: { match: { op: 'welcome' }, user: 'account', pod: 'node' },
    feed: { match: { op: 'tick' }, seq: 'offset', publishedAt: 'at' },
    ack: { match: { reply: 'place' }, id: 'ref', status: 'result', applied: ['ok'], duplicate: ['replayed'] },
    error: { match: { reply: 'error' } },
  },
  resume: { query: { offset: '{feed.offset}', epoch: '{greeting.epoch}' } },
  order: { frame: { op: 'place', ref: '{id}', sku: 'zd', qty: 1 } },
  cleanCloseCodes: [1000, 1001],
};

describe('classifyFrame with the reference profile', () => {
  it('reads a greeting, a feed frame with its publish time, and both ack outcomes', () => {
    assert.deepEqual(classifyFrame(hello, reference), {
      kind: 'greeting',
      user: 'zd-user-w1',
      sessionId: 'sess-1',
      pod: 'app-7c9',
      color: 'blue',
      frame: hello,
    });
    assert.deepEqual(classifyFrame(feed, reference), {
      kind: 'feed',
      seq: 42,
      ts: 1732233600000,
      frame: feed,
    });
    assert.deepEqual(classifyFrame(ack, reference), {
      kind: 'ack',
      id: 'run-1-w1-1',
      outcome: 'applied',
      frame: ack,
    });
    const dup = { ...ack, status: 'duplicate' };
    assert.equal((classifyFrame(dup, reference) as { outcome: string }).outcome, 'duplicate');
  });

  it('calls a status that is neither applied nor duplicate "other"', () => {
    assert.equal(
      (classifyFrame({ ...ack, status: 'weird' }, reference) as { outcome: string }).outcome,
      'other',
    );
  });

  it('flags feed frames without an integer sequence', () => {
    for (const seq of [undefined, null, '', true, 'forty-two', 4.5]) {
      const event = classifyFrame({ ...feed, seq }, reference);
      assert.equal(event.kind, 'invalid', JSON.stringify(seq));
    }
    assert.equal((classifyFrame({ ...feed, seq: '42' }, reference) as { seq: number }).seq, 42);
  });

  it('has no publish time when ts is missing or not a number', () => {
    for (const ts of [undefined, null, true, '', 'yesterday'])
      assert.equal((classifyFrame({ ...feed, ts }, reference) as { ts: unknown }).ts, null);
  });

  it('flags a greeting without the user it promises, and an ack without an id', () => {
    assert.equal(classifyFrame({ ...hello, user: undefined }, reference).kind, 'invalid');
    assert.equal(classifyFrame({ type: 'ack', status: 'applied' }, reference).kind, 'invalid');
  });

  it('passes frames no matcher claims on as other', () => {
    assert.deepEqual(classifyFrame({ type: 'ping' }, reference), { kind: 'other' });
    assert.deepEqual(classifyFrame('text', reference), { kind: 'other' });
  });
});

describe('classifyFrame with per-kind matchers', () => {
  it('tells acks from feed frames by a different field', () => {
    assert.equal(classifyFrame({ op: 'tick', offset: 7, at: 5 }, foreign).kind, 'feed');
    assert.deepEqual(classifyFrame({ reply: 'place', ref: 'r-1', result: 'replayed' }, foreign), {
      kind: 'ack',
      id: 'r-1',
      outcome: 'duplicate',
      frame: { reply: 'place', ref: 'r-1', result: 'replayed' },
    });
    assert.equal(classifyFrame({ reply: 'error', message: 'x' }, foreign).kind, 'error');
  });

  it('leaves greeting fields the profile does not name as null', () => {
    const event = classifyFrame({ op: 'welcome', account: 'ann', epoch: 'e1' }, foreign);
    assert.deepEqual(event, {
      kind: 'greeting',
      user: 'ann',
      sessionId: null,
      pod: null,
      color: null,
      frame: { op: 'welcome', account: 'ann', epoch: 'e1' },
    });
  });

  it('matches on every entry of a matcher, nested paths included', () => {
    const ws: WebSocketProfile = {
      ...foreign,
      frames: { feed: { match: { 'meta.kind': 'tick', 'meta.v': 2 }, seq: 'meta.n' } },
    };
    assert.equal(classifyFrame({ meta: { kind: 'tick', v: 2, n: 1 } }, ws).kind, 'feed');
    assert.equal(classifyFrame({ meta: { kind: 'tick', v: 1, n: 1 } }, ws).kind, 'other');
  });
});

describe('resume templates', () => {
  const values = {
    feed: { op: 'tick', offset: 41, nested: { cursor: 'c-41' } },
    greeting: { op: 'welcome', epoch: 'ep 1' },
    session: { id: 's-1' },
  };

  it('adds the query from the last feed frame and the greeting, URL-encoded', () => {
    assert.equal(resumeUrl('ws://h/live', foreign, values), 'ws://h/live?offset=41&epoch=ep%201');
    assert.equal(resumeUrl('ws://h/live?x=1', foreign, values), 'ws://h/live?x=1&offset=41&epoch=ep%201');
  });

  it('adds nothing before the first feed frame or when a value is missing', () => {
    assert.equal(resumeUrl('ws://h/live', foreign, null), 'ws://h/live');
    assert.equal(resumeUrl('ws://h/live', foreign, { ...values, greeting: null }), 'ws://h/live');
  });

  it('keeps a whole-placeholder value as it is and fills longer strings as text', () => {
    assert.deepEqual(fillTemplate({ type: 'RESUME', afterSequence: '{feed.offset}' }, values), {
      type: 'RESUME',
      afterSequence: 41,
    });
    assert.deepEqual(fillTemplate({ from: 'at-{feed.nested.cursor}', sid: '{session.id}', n: 1 }, values), {
      from: 'at-c-41',
      sid: 's-1',
      n: 1,
    });
    assert.equal(fillTemplate({ lastSeq: '{feed.missing}' }, values), undefined);
  });
});

describe('withOrderId', () => {
  it('fills the id into the reference order, which the service accepts', () => {
    const frame = withOrderId(reference.order?.frame, 'run-1-w7-3');
    assert.deepEqual(frame, { type: 'order', cid: 'run-1-w7-3', item: 'zd-widget', qty: 1 });
    assert.deepEqual(parseClientMessage(JSON.stringify(frame)), frame);
  });

  it('keeps numbers as numbers, fills nested strings, and stays valid JSON for hostile ids', () => {
    assert.deepEqual(
      withOrderId({ op: 'buy', ref: 'order-{id}', lines: [{ id: '{id}' }], amount: 2.5 }, 'c1'),
      {
        op: 'buy',
        ref: 'order-c1',
        lines: [{ id: 'c1' }],
        amount: 2.5,
      },
    );
    const raw = JSON.stringify(withOrderId(reference.order?.frame, '"},"qty":999,"x":"'));
    assert.equal((JSON.parse(raw) as { qty: number }).qty, 1);
  });
});

describe('orderText', () => {
  const expected = (template: unknown, id: string) => JSON.stringify(withOrderId(template, id));

  it('gives the text JSON.stringify gives the filled template, for ids JSON must escape', () => {
    const templates: unknown[] = [
      reference.order?.frame,
      { op: 'buy', ref: 'order-{id}', lines: [{ id: '{id}' }, '{id}{id}'], amount: 2.5, '{id}': null },
      ['{id}', 'x', 3, { deep: { deeper: 'a{id}b' } }],
      '{id}',
      { note: 'no id here', n: -0.5, t: true },
      // Templates that hold the marker, or parts of it, around the id.
      { a: 'zdorderid0', b: 'zdorderid00{id}zdorder', c: 'zdorderid{id}0' },
      { é: 'naïve {id} ☃', ctl: '\u0001\n"\\' },
    ];
    const ids = [
      'run-1-w7-3',
      '',
      '"},"qty":999,"x":"',
      'a\\b\nc\u0000d',
      'zdorderid0',
      '☃ \ud83d\ude00',
      '{id}',
      '$&$1',
    ];
    for (const template of templates) {
      const text = orderText(template) ?? assert.fail('a JSON template has a text');
      for (const id of ids) assert.equal(text(id), expected(template, id), JSON.stringify({ template, id }));
    }
  });

  it('agrees with JSON.stringify on 2,000 seeded random templates and ids', () => {
    const next = random(14);
    const alphabet = [
      'a',
      'z',
      'd',
      'o',
      'r',
      'e',
      'i',
      '0',
      '{id}',
      '{',
      '}',
      '"',
      '\\',
      '\n',
      'é',
      '\ud83d',
    ];
    const word = () =>
      Array.from(
        { length: Math.floor(next() * 6) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
    const value = (depth: number): unknown => {
      const pick = next();
      if (depth > 2 || pick < 0.5) return pick < 0.1 ? next() * 100 : word();
      if (pick < 0.75) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 3) }, () => [word(), value(depth + 1)]),
      );
    };
    for (let i = 0; i < 2000; i++) {
      const template = value(0);
      const id = word();
      assert.equal(orderText(template)?.(id), expected(template, id), JSON.stringify({ template, id }));
    }
  });

  it('has no text for a template JSON cannot write', () => {
    assert.equal(orderText(undefined), undefined);
  });
});
