/** The Redis audit's rules on stored values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNullValue, judgeSession, timesApplied } from '../../validator/verdict/audit-rules.ts';

const str = (value: string) => ({ type: 'string' as const, value });
const hash = (fields: Record<string, string>) => ({ type: 'hash' as const, fields });
const json = (userField?: string) => ({ type: 'json' as const, ...(userField ? { userField } : {}) });

describe('judgeSession: JSON strings (express-session, the reference service)', () => {
  it('is ok when the stored session names the user, through a dotted field', () => {
    assert.equal(judgeSession(str('{"user":"zd-user-1","createdAt":1}'), 'zd-user-1', json('user')), 'ok');
    assert.equal(judgeSession(str('{"cookie":{},"user":{"name":"ann"}}'), 'ann', json('user.name')), 'ok');
  });

  it('is ok without a user field when the value is JSON', () => {
    assert.equal(judgeSession(str('{"cookie":{"path":"/"}}'), 'ann', json()), 'ok');
  });

  it('is missing when the key does not exist', () => {
    assert.equal(judgeSession({ type: 'none' }, 'ann', json('user')), 'missing');
  });

  it('flags null and empty values', () => {
    for (const stored of ['', '  ', 'null', 'nil', 'undefined', '{}', ' null\n'])
      assert.equal(judgeSession(str(stored), 'ann', json('user')), 'null-value', JSON.stringify(stored));
  });

  it('flags a session that names another user or none', () => {
    assert.equal(judgeSession(str('{"user":"bob"}'), 'ann', json('user')), 'wrong-user');
    assert.equal(judgeSession(str('{"user":null}'), 'ann', json('user')), 'wrong-user');
    assert.equal(judgeSession(str('"ann"'), 'ann', json('user')), 'wrong-user');
  });

  it('flags a value of another type than the profile declares', () => {
    assert.equal(judgeSession(str('s:ann:opaque-blob'), 'ann', json('user')), 'wrong-type');
    assert.equal(judgeSession(hash({ user: 'ann' }), 'ann', json('user')), 'wrong-type');
  });
});

describe('judgeSession: hashes (Spring Session) and opaque values', () => {
  it('is ok for a non-empty hash, checking the user field only when named', () => {
    const spring = hash({ creationTime: '\xac\xed', 'sessionAttr:user': '\xac\xedann' });
    assert.equal(judgeSession(spring, 'ann', { type: 'hash' }), 'ok');
    assert.equal(judgeSession(hash({ user: 'ann' }), 'ann', { type: 'hash', userField: 'user' }), 'ok');
    assert.equal(
      judgeSession(hash({ user: 'bob' }), 'ann', { type: 'hash', userField: 'user' }),
      'wrong-user',
    );
  });

  it('flags an empty hash and a string where a hash belongs', () => {
    assert.equal(judgeSession(hash({}), 'ann', { type: 'hash' }), 'null-value');
    assert.equal(judgeSession(str('{"user":"ann"}'), 'ann', { type: 'hash' }), 'wrong-type');
  });

  it('judges only presence and emptiness of opaque values', () => {
    assert.equal(judgeSession(str('s:bob:opaque-blob'), 'ann', { type: 'opaque' }), 'ok');
    assert.equal(judgeSession({ type: 'other', name: 'list' }, 'ann', { type: 'opaque' }), 'ok');
    assert.equal(judgeSession(str('null'), 'ann', { type: 'opaque' }), 'null-value');
  });
});

describe('isNullValue', () => {
  it('is false for real values', () => {
    assert.equal(isNullValue('{"user":"ann"}'), false);
    assert.equal(isNullValue('0'), false);
    assert.equal(isNullValue('nullable'), false);
  });
});

describe('timesApplied', () => {
  it('reads a count hash, field by field as HMGET answers', () => {
    assert.deepEqual(timesApplied('count-hash', ['o1', 'o2', 'o3'], { values: ['1', '2', null] }), [1, 2, 0]);
    assert.deepEqual(timesApplied('count-hash', ['o1'], { values: [] }), [0]);
  });

  it('reads presence in a hash keyed by order id', () => {
    assert.deepEqual(timesApplied('hash', ['o1', 'o2'], { values: ['{"qty":1}', null] }), [1, 0]);
    assert.deepEqual(timesApplied('hash', ['o1'], { values: [''] }), [1]);
  });

  it('counts list items naming each order at the id field', () => {
    const items = ['{"id":"o1","qty":1}', '{"id":"o2"}', '{"id":"o1"}', 'not json', '{"id":7}'];
    assert.deepEqual(timesApplied('list', ['o1', 'o2', 'o3', '7'], { items }, 'id'), [2, 1, 0, 1]);
    assert.deepEqual(timesApplied('list', ['o1'], { items: ['{"order":{"ref":"o1"}}'] }, 'order.ref'), [1]);
    assert.deepEqual(timesApplied('list', ['o1'], { items: ['{"id":"o1"}'] }), [1]);
  });
});
