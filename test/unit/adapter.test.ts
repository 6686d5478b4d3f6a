/**
 * Adapters (validator/adapter/adapter.ts): the check of a module's exports, what a profile may leave out when an
 * adapter takes it over, how classified messages and openings become what the users track, and the
 * express-ws example's adapter on the frames that service really sends.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as example from '../../examples/express-ws/zerodrop-adapter.ts';
import { adapterError, checkAdapter, checkedFrame } from '../../validator/adapter/adapter.ts';
import { withPresets } from '../../validator/profile/presets.ts';
import {
  type AdapterUse,
  hasFrame,
  hasOrders,
  ProfileError,
  parseProfile,
} from '../../validator/profile/profile.ts';
import { adapterMessage, adapterOpening, withQueryParams } from '../../validator/users/ws-message.ts';
import { notCheckedBy } from '../../validator/verdict/invariants.ts';

const fn = () => undefined;

describe('checkAdapter', () => {
  it('accepts a partial adapter and an empty module', () => {
    assert.deepEqual(checkAdapter({ identity: fn }).problems, []);
    assert.deepEqual(checkAdapter({}).problems, []);
    assert.deepEqual(checkAdapter({ ...example }).problems, []);
  });

  it('names every problem: unknown exports, non-functions, a default export, frames without classify', () => {
    const { adapter, problems } = checkAdapter({ clasify: fn, login: 'x', default: {}, frames: ['feed'] });
    assert.deepEqual(problems, [
      'clasify: not a hook (expected login, identity, classify, resume, order, frames)',
      'default: export the hooks by name (export function login …), not a default',
      'login: expected a function, found string',
      'frames: only with classify',
    ]);
    assert.deepEqual(adapter, {}, 'a bad module is not used');
    assert.equal(
      adapterError('my.ts', problems.slice(0, 1)),
      'ADAPTER: my.ts: 1 problem: clasify: not a hook (expected login, identity, classify, resume, order, frames)',
    );
  });

  it('classify needs the kinds it returns, and orders need acks', () => {
    assert.deepEqual(checkAdapter({ classify: fn }).problems, [
      'frames: missing (classify needs the list of kinds it returns)',
    ]);
    assert.match(
      checkAdapter({ classify: fn, frames: ['feed', 'tick'] }).problems[0] ?? '',
      /^frames: expected a list of greeting, feed, ack, error, found \["feed","tick"\]$/,
    );
    assert.deepEqual(checkAdapter({ classify: fn, frames: ['feed'], order: fn }).problems, [
      'frames: order needs acks: classify must return kind ack (add "ack")',
    ]);
  });
});

describe('checkedFrame', () => {
  it('turns an adapter bug into an invalid frame, never a silent skip', () => {
    assert.deepEqual(checkedFrame(undefined, ['feed']), {
      kind: 'invalid',
      reason: 'adapter classify returned undefined',
    });
    assert.equal(checkedFrame({ kind: 'ack', id: 'a', outcome: 'applied' }, ['feed']).kind, 'invalid');
    assert.equal(checkedFrame({ kind: 'feed', seq: 1.5 }, ['feed']).kind, 'invalid');
    assert.equal(checkedFrame({ kind: 'ack', id: 3, outcome: 'applied' }, ['ack']).kind, 'invalid');
    assert.deepEqual(checkedFrame({ kind: 'feed', seq: 4 }, ['feed']), { kind: 'feed', seq: 4 });
    assert.deepEqual(checkedFrame({ kind: 'other' }, []), { kind: 'other' });
  });
});

describe('adapterMessage and adapterOpening', () => {
  const adapter = { ...example };

  it('maps classified messages to tracked events, keeping the text as the frame', () => {
    const tick = '{"op":"tick","offset":7,"at":1700000000000,"price":98.5}';
    assert.deepEqual(adapterMessage(tick, adapter), {
      event: { kind: 'feed', seq: 7, ts: 1700000000000, frame: tick },
    });
    const welcome = '{"op":"welcome","epoch":"e1","account":"zd-w1","node":"pod-a"}';
    assert.deepEqual(adapterMessage(welcome, adapter).event, {
      kind: 'greeting',
      user: 'zd-w1',
      sessionId: null,
      pod: 'pod-a',
      color: null,
      frame: welcome,
    });
    assert.deepEqual(adapterMessage('{"reply":"place","ref":"o1","result":"replayed"}', adapter).event, {
      kind: 'ack',
      id: 'o1',
      outcome: 'duplicate',
      frame: '{"reply":"place","ref":"o1","result":"replayed"}',
    });
    const threw = adapterMessage('x', {
      classify: () => {
        throw new Error('boom');
      },
      frames: ['feed'],
    });
    assert.deepEqual(threw.event, { kind: 'invalid', reason: "the adapter's classify threw Error: boom" });
    assert.deepEqual(
      adapterMessage('ping', { classify: () => ({ kind: 'other', reply: 'pong' }), frames: ['feed'] }),
      {
        event: { kind: 'other' },
        reply: 'pong',
      },
    );
  });

  it('opens the first connection with nothing to resume, later ones from the last feed message and greeting', () => {
    assert.deepEqual(adapterOpening(adapter, null), {});
    const welcome = adapterMessage('{"op":"welcome","epoch":"e1","account":"zd-w1"}', adapter).event;
    const tick = adapterMessage('{"op":"tick","offset":41,"price":1}', adapter).event;
    assert.deepEqual(adapterOpening(adapter, { feed: null, greeting: welcome, sessionId: null }), {});
    const opening = adapterOpening(adapter, { feed: tick, greeting: welcome, sessionId: 's' });
    assert.deepEqual(opening, { query: { offset: '41', epoch: 'e1' } });
    assert.equal(withQueryParams('ws://h/live', opening.query), 'ws://h/live?offset=41&epoch=e1');
    assert.equal(withQueryParams('ws://h/live?a=1', { b: 'x y' }), 'ws://h/live?a=1&b=x%20y');
    assert.equal(withQueryParams('ws://h/live', undefined), 'ws://h/live');
  });
});

describe('the express-ws example adapter', () => {
  it('reads the frames the service sends, and refuses the broken ones', () => {
    assert.equal(example.classify('{"op":"welcome","account":"a"}').kind, 'invalid');
    assert.equal(example.classify('{"op":"tick","offset":-1,"price":1}').kind, 'invalid');
    assert.equal(example.classify('{"op":"tick","offset":3}').kind, 'invalid');
    assert.equal(example.classify('{"reply":"place","result":"ok"}').kind, 'invalid');
    assert.deepEqual(example.classify('{"reply":"place","ref":"r","result":"ok"}'), {
      kind: 'ack',
      id: 'r',
      outcome: 'applied',
    });
    assert.deepEqual(example.classify('{"reply":"error","message":"x"}'), { kind: 'error' });
    assert.deepEqual(example.classify('{"op":"news"}'), { kind: 'other' });
    assert.deepEqual(example.classify('[1]'), { kind: 'invalid', reason: 'not a JSON object' });
    assert.deepEqual(JSON.parse(example.order('o-1')), { op: 'place', ref: 'o-1', sku: 'zd-widget', qty: 1 });
  });

  it('logs in through send and reads the identity', async () => {
    const sent: unknown[] = [];
    const outcome = await example.login({
      user: 'zd-h1',
      password: 'pw',
      send: async (call) => {
        sent.push(call);
        return { status: 200, headers: {}, body: '{"user":{"name":"zd-h1"}}', error: null };
      },
    });
    assert.deepEqual(outcome, { ok: true, user: 'zd-h1' });
    assert.deepEqual(sent, [
      {
        method: 'POST',
        path: '/api/session',
        body: '{"username":"zd-h1","password":"pw"}',
        headers: { 'Content-Type': 'application/json' },
      },
    ]);
    const refused = await example.login({
      user: 'u',
      password: 'p',
      send: async () => ({ status: 401, headers: {}, body: '{}', error: null }),
    });
    assert.deepEqual(refused, { ok: false, reason: 'POST /api/session: status 401' });
    assert.deepEqual(
      example.identity({ status: 200, headers: {}, body: '{"user":{"name":"zd-h1"}}', error: null }),
      { user: 'zd-h1' },
    );
    assert.deepEqual(example.identity({ status: 200, headers: {}, body: 'oops', error: null }), {
      user: null,
    });
  });
});

describe('a profile with an adapter', () => {
  const use = (over: Partial<AdapterUse> = {}): AdapterUse => ({
    source: 'a.ts',
    login: true,
    identity: true,
    frames: ['greeting', 'feed', 'ack', 'error'],
    resume: true,
    order: true,
    ...over,
  });
  const data = () =>
    withPresets(JSON.parse(readFileSync('examples/express-ws/zerodrop-adapter.json', 'utf8')));

  it('may leave out what the adapter takes over; its invariants are still checked', () => {
    const profile = parseProfile(data(), 'p.json', use());
    assert.deepEqual(profile.websocket?.frames, {});
    assert.equal(hasFrame(profile, 'feed'), true);
    assert.equal(hasOrders(profile), true);
    assert.deepEqual(
      notCheckedBy(profile).map((n) => n.metric),
      [],
      'the adapter feeds every invariant the JSON profile fed',
    );
  });

  it('without the adapter the same profile names every missing field', () => {
    assert.throws(
      () => parseProfile(data(), 'p.json'),
      (error: unknown) =>
        error instanceof ProfileError &&
        error.message === 'PROFILE: p.json: 1 problem: websocket.frames: is required',
    );
    const framed = data() as { websocket: Record<string, unknown> };
    framed.websocket.frames = {};
    assert.throws(
      () => parseProfile(framed, 'p.json'),
      (error: unknown) =>
        error instanceof ProfileError &&
        error.message ===
          'PROFILE: p.json: 2 problems: http.login: is required; http.identity.user: is required',
    );
    assert.throws(
      () => parseProfile(framed, 'p.json', use({ login: false, identity: false })),
      /http\.login: is required \(or an adapter exporting login\); http\.identity\.user: is required \(or an adapter exporting identity\)/,
    );
  });

  it('refuses matchers the classify replaces, and frame hooks on Socket.IO', () => {
    const withMatchers = data() as { websocket: Record<string, unknown> };
    withMatchers.websocket.frames = { feed: { match: { op: 'tick' }, seq: 'offset' } };
    assert.throws(
      () => parseProfile(withMatchers, 'p.json', use()),
      /websocket\.frames: the adapter's classify reads the frames/,
    );
    const sio = data() as { websocket: Record<string, unknown> };
    sio.websocket.protocol = 'socket.io';
    assert.throws(
      () => parseProfile(sio, 'p.json', use()),
      /websocket\.protocol: socket\.io frames, resume and orders come from the profile/,
    );
  });
});
