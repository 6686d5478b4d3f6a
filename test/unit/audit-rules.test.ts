/** The Redis audit's rules on stored values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appliedOnce, isNullValue, judgeSession, scanPattern } from '../../scripts/lib/audit-rules.ts';

describe('judgeSession', () => {
  it('is ok when the stored session names the user', () => {
    assert.equal(judgeSession('{"user":"zd-user-1","createdAt":1}', 'zd-user-1', 'user'), 'ok');
  });

  it('reads the user through a dotted field', () => {
    assert.equal(judgeSession('{"data":{"user":{"name":"ann"}}}', 'ann', 'data.user.name'), 'ok');
  });

  it('is missing when the key does not exist', () => {
    assert.equal(judgeSession(null, 'ann', 'user'), 'missing');
  });

  it('flags null and empty values', () => {
    for (const stored of ['', '  ', 'null', 'nil', 'undefined', '{}', ' null\n']) {
      assert.equal(judgeSession(stored, 'ann', 'user'), 'null-value', JSON.stringify(stored));
    }
  });

  it('flags a session that names another user or none', () => {
    assert.equal(judgeSession('{"user":"bob"}', 'ann', 'user'), 'wrong-user');
    assert.equal(judgeSession('{"user":null}', 'ann', 'user'), 'wrong-user');
    assert.equal(judgeSession('{"name":"ann"}', 'ann', 'user'), 'wrong-user');
    assert.equal(judgeSession('"ann"', 'ann', 'user'), 'wrong-user');
  });

  it('only judges emptiness of opaque (non-JSON) values', () => {
    assert.equal(judgeSession('s:ann:opaque-blob', 'ann', 'user'), 'ok');
    assert.equal(judgeSession('s:bob:opaque-blob', 'ann', 'user'), 'ok');
  });
});

describe('isNullValue', () => {
  it('is false for real values', () => {
    assert.equal(isNullValue('{"user":"ann"}'), false);
    assert.equal(isNullValue('0'), false);
    assert.equal(isNullValue('nullable'), false);
  });
});

describe('appliedOnce', () => {
  it('is true only for a count of exactly 1', () => {
    assert.equal(appliedOnce('1'), true);
    assert.equal(appliedOnce('0'), false);
    assert.equal(appliedOnce('2'), false);
    assert.equal(appliedOnce(''), false);
    assert.equal(appliedOnce('one'), false);
  });

  it('is false when the order was never applied', () => {
    assert.equal(appliedOnce(null), false);
  });
});

describe('scanPattern', () => {
  it('turns placeholders into wildcards', () => {
    assert.equal(scanPattern('zd:session:{sessionId}'), 'zd:session:*');
    assert.equal(scanPattern('{tenant}:sess:{sessionId}'), '*:sess:*');
  });

  it('leaves a template without placeholders alone', () => {
    assert.equal(scanPattern('zd:orders:applied'), 'zd:orders:applied');
  });
});
