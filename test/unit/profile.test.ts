/** Target profiles: schema validation of JSON profiles, dotted-path reads and placeholder filling. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fill, ProfileError, parseProfile, pick } from '../../scripts/lib/profile.ts';
import { referenceProfile } from '../../scripts/profiles/reference.ts';

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

  it('accepts a profile without the optional feed publish time', () => {
    const profile = parseProfile(jsonProfile({ 'websocket.feed.publishedAt': undefined }), 'target.json');
    assert.equal(profile.websocket.feed.publishedAt, undefined);
    assert.equal(profile.websocket.feed.seq, 'seq');
  });

  it('names the source and the first invalid field', () => {
    assertProfileError(
      jsonProfile({ 'http.login.path': 'login' }),
      /^PROFILE: target\.json: http\.login\.path: /,
    );
  });

  it('rejects a missing section', () => {
    assertProfileError(jsonProfile({ redis: undefined }), /^PROFILE: target\.json: redis: /);
  });

  it('rejects an empty field path', () => {
    assertProfileError(
      jsonProfile({ 'websocket.feed.seq': '' }),
      /^PROFILE: target\.json: websocket\.feed\.seq: /,
    );
  });

  it('rejects close codes outside 1000-4999 and non-integers', () => {
    assertProfileError(
      jsonProfile({ 'websocket.cleanCloseCodes': [1000, 999] }),
      /websocket\.cleanCloseCodes\[1\]: /,
    );
    assertProfileError(
      jsonProfile({ 'websocket.unauthorizedCloseCodes': [5000] }),
      /websocket\.unauthorizedCloseCodes\[0\]: /,
    );
    assertProfileError(
      jsonProfile({ 'websocket.cleanCloseCodes': [1000.5] }),
      /websocket\.cleanCloseCodes\[0\]: /,
    );
  });

  it('rejects wrong value types', () => {
    assertProfileError(
      jsonProfile({ 'http.unauthorizedStatuses': ['401'] }),
      /http\.unauthorizedStatuses\[0\]: /,
    );
    assertProfileError(jsonProfile({ 'websocket.order.qty': true }), /websocket\.order\.qty: /);
  });

  it('rejects a document that is not an object', () => {
    assertProfileError(null, /^PROFILE: target\.json: \(root\): /);
    assertProfileError('reference', /^PROFILE: target\.json: \(root\): /);
    assertProfileError([], /^PROFILE: target\.json: \(root\): expected an object, got an array/);
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
    assert.equal(fill('zd:session:{sessionId}', { sessionId: 'abc' }), 'zd:session:abc');
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
  it('names an unknown field instead of ignoring it', () => {
    assertProfileError(
      jsonProfile({ 'websocket.feed.sequence': 'seq' }),
      /websocket\.feed\.sequence: unknown field/,
    );
  });
});
