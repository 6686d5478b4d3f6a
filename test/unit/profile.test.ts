/** Target profiles: schema validation of JSON profiles, dotted-path reads and placeholder filling. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import { withPresets } from '../../validator/profile/presets.ts';
import { fill, matches, ProfileError, parseProfile, pick } from '../../validator/profile/profile.ts';

type Json = Record<string, unknown>;

/**
 * The reference profile as a JSON file would give it, with `changes` applied: dotted path → new value,
 * `undefined` removes the field.
 */
function jsonProfile(changes: Record<string, unknown> = {}): unknown {
  const data = JSON.parse(JSON.stringify(referenceProfile)) as Json;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    const parent = keys.reduce((node, key) => node[key] as Json, data);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return data;
}

function assertProfileError(data: unknown, expected: RegExp): void {
  assert.throws(
    () => parseProfile(data, 'target.json'),
    (error: unknown) => {
      assert.ok(error instanceof ProfileError);
      assert.equal(error.name, 'ProfileError');
      assert.match(error.message, expected);
      return true;
    },
  );
}

describe('parseProfile', () => {
  it('accepts the reference profile as JSON and returns it unchanged', () => {
    assert.deepEqual(parseProfile(jsonProfile(), 'target.json'), referenceProfile);
  });

  it('needs only a name, users, login, identity, the session cookie and the unauthorized statuses', () => {
    const minimal = {
      name: 'minimal',
      users: { prefix: 'zd-', password: 'pw' },
      http: {
        login: { path: '/login', body: { u: '{user}', p: '{password}' } },
        identity: { path: '/me', user: 'name' },
        session: { cookie: 'sid' },
        unauthorizedStatuses: [401],
      },
    };
    assert.deepEqual(parseProfile(minimal, 'min.json'), minimal);
  });

  it('accepts a profile without the optional feed publish time', () => {
    const profile = parseProfile(
      jsonProfile({ 'websocket.frames.feed.publishedAt': undefined }),
      'target.json',
    );
    assert.equal(profile.websocket?.frames.feed?.publishedAt, undefined);
    assert.equal(profile.websocket?.frames.feed?.seq, 'seq');
  });

  it('names the source and the invalid field with what was expected and found', () => {
    assertProfileError(
      jsonProfile({ 'http.login.path': 'login' }),
      /^PROFILE: target\.json: 1 problem: http\.login\.path: expected a URL path starting with \/, found "login"$/,
    );
  });

  it('reports every problem at once, each with its path', () => {
    assertProfileError(
      jsonProfile({
        'http.login.path': 'login',
        'http.session.format': 'jwt',
        'websocket.cleanCloseCodes': [1000, 999],
        'redis.session.key': 'sess',
        'websocket.frames.feed.sequence': 'seq',
      }),
      /^PROFILE: target\.json: 5 problems: .*http\.login\.path: .*http\.session\.format: expected one of "raw", "express-signed", "spring-base64", found string "jwt".*websocket\.frames\.feed\.sequence: unknown field.*websocket\.cleanCloseCodes\[1\]: .*redis\.session\.key: expected a key template containing \{sid\}/,
    );
  });

  it('rejects a missing required section, and wrong value types', () => {
    assertProfileError(jsonProfile({ http: undefined }), /http: is required/);
    assertProfileError(
      jsonProfile({ 'http.unauthorizedStatuses': ['401'] }),
      /http\.unauthorizedStatuses\[0\]: /,
    );
    assertProfileError(jsonProfile({ 'websocket.frames.feed.seq': '' }), /websocket\.frames\.feed\.seq: /);
  });

  it('checks fields that depend on each other', () => {
    assertProfileError(
      jsonProfile({ 'websocket.frames.ack': undefined }),
      /websocket\.frames\.ack: is required when websocket\.order is given/,
    );
    assertProfileError(
      jsonProfile({ 'websocket.frames.ack.id': undefined }),
      /websocket\.frames\.ack\.id: is required for the json protocol/,
    );
    assertProfileError(
      jsonProfile({ 'websocket.resume.auth': { a: 1 } }),
      /websocket\.resume\.auth: is only for Socket\.IO/,
    );
    assertProfileError(
      jsonProfile({ 'http.attribution.pod': { header: 'X', body: 'pod' } }),
      /http\.attribution\.pod: expected exactly one of header or body/,
    );
    assertProfileError(
      jsonProfile({ 'redis.orders': { key: 'o:{user}', type: 'list' } }),
      /redis\.orders\.idField: is required for a list/,
    );
  });

  it('rejects a document that is not an object', () => {
    assertProfileError(null, /^PROFILE: target\.json: 1 problem: \(root\): /);
    assertProfileError([], /\(root\): expected an object, found an array/);
  });
});

describe('withPresets', () => {
  it('merges a stack preset under the profile, the profile winning', () => {
    const merged = withPresets({
      preset: 'express-session',
      name: 'shop',
      http: { session: { cookie: 'shop.sid' } },
    }) as { preset: string; http: { session: unknown; unauthorizedStatuses: unknown }; redis: unknown };
    assert.equal(merged.preset, 'express-session');
    assert.deepEqual(merged.http.session, { cookie: 'shop.sid', format: 'express-signed' });
    assert.deepEqual(merged.http.unauthorizedStatuses, [401]);
    assert.deepEqual(merged.redis, { session: { key: 'sess:{sid}', type: 'json' } });
  });

  it('merges several presets in order and replaces arrays', () => {
    const merged = withPresets({
      preset: ['express-session', 'socket.io'],
      websocket: { cleanCloseCodes: [1005] },
    }) as { preset: string; websocket: { protocol: string; cleanCloseCodes: number[] } };
    assert.equal(merged.preset, 'express-session+socket.io');
    assert.equal(merged.websocket.protocol, 'socket.io');
    assert.deepEqual(merged.websocket.cleanCloseCodes, [1005]);
  });

  it('names an unknown preset and leaves profiles without one alone', () => {
    assert.throws(
      () => withPresets({ preset: 'rails' }),
      /preset: unknown preset "rails" \(known: express-session, spring-session, socket\.io, reference\)/,
    );
    const plain = { name: 'x' };
    assert.equal(withPresets(plain), plain);
  });

  it('gives a valid profile from a preset and a few lines', () => {
    const profile = parseProfile(
      withPresets({
        preset: 'spring-session',
        name: 'orders',
        users: { prefix: 'zd-', password: 'pw' },
        http: {
          login: { path: '/auth/login', body: { username: '{user}' } },
          identity: { path: '/auth/me', user: 'name' },
        },
      }),
      'spring.json',
    );
    assert.equal(profile.redis?.session?.key, 'spring:session:sessions:{sid}');
    assert.equal(profile.http.session.format, 'spring-base64');
  });
});

describe('matches', () => {
  it('needs every entry to equal the value at its path', () => {
    assert.equal(matches({ op: 'tick', meta: { v: 1 } }, { op: 'tick', 'meta.v': 1 }), true);
    assert.equal(matches({ op: 'tick', meta: { v: 1 } }, { op: 'tick', 'meta.v': '1' }), false);
    assert.equal(matches({ op: 'tick' }, {}), true);
  });
});

describe('pick', () => {
  const doc = { user: 'ann', data: { session: { id: 's-1', n: 0 } }, list: ['a', 'b'], nothing: null };

  it('reads top-level and nested fields', () => {
    assert.equal(pick(doc, 'user'), 'ann');
    assert.equal(pick(doc, 'data.session.id'), 's-1');
    assert.equal(pick(doc, 'data.session.n'), 0);
    assert.deepEqual(pick(doc, 'data.session'), { id: 's-1', n: 0 });
  });

  it('reads array elements by index', () => {
    assert.equal(pick(doc, 'list.1'), 'b');
  });

  it('is undefined when any step is missing or not an object', () => {
    assert.equal(pick(doc, 'missing'), undefined);
    assert.equal(pick(doc, 'data.missing.id'), undefined);
    assert.equal(pick(doc, 'user.length'), undefined);
    assert.equal(pick(doc, 'nothing.id'), undefined);
    assert.equal(pick(null, 'user'), undefined);
    assert.equal(pick('text', 'user'), undefined);
  });

  it('returns a null field as null', () => {
    assert.equal(pick(doc, 'nothing'), null);
  });
});

describe('fill', () => {
  it('replaces every known placeholder', () => {
    assert.equal(fill('{user}:{password}:{user}', { user: 'ann', password: 'pw' }), 'ann:pw:ann');
    assert.equal(fill('zd:session:{sid}', { sid: 'abc' }), 'zd:session:abc');
  });

  it('keeps unknown placeholders as they are', () => {
    assert.equal(fill('{user}/{other}', { user: 'ann' }), 'ann/{other}');
  });

  it('does not resolve placeholders through the prototype chain', () => {
    assert.equal(fill('{constructor}/{toString}', {}), '{constructor}/{toString}');
  });

  it('inserts values literally', () => {
    assert.equal(fill('{user}', { user: '$& {password}' }), '$& {password}');
  });

  it('leaves text without placeholders alone', () => {
    assert.equal(fill('plain {} { user }', { user: 'ann' }), 'plain {} { user }');
  });
});

describe('parseProfile: typos are refused', () => {
  it('names an unknown field and the fields it could have meant', () => {
    assertProfileError(
      jsonProfile({ 'websocket.frames.feed.sequence': 'seq' }),
      /websocket\.frames\.feed\.sequence: unknown field \(expected one of: match, seq, publishedAt\)/,
    );
  });
});
