/** Identity continuity across responses and greetings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIdentity } from '../../validator/users/identity.ts';

const known = { user: 'ann', sessionId: 's-1', sid: 'c-1' };

describe('compareIdentity', () => {
  it('adopts what the baseline does not know yet', () => {
    const { identity, change } = compareIdentity(
      { user: null, sessionId: null, sid: 'c-1' },
      { user: 'ann', sessionId: 's-1' },
      'greeting',
    );
    assert.deepEqual(identity, known);
    assert.equal(change, null);
  });

  it('ignores what the profile does not say where to look', () => {
    assert.equal(compareIdentity(known, {}, 'GET /me').change, null);
  });

  it('names the changed user with both names and where it was seen', () => {
    assert.equal(compareIdentity(known, { user: 'bob' }, 'GET /me').change, 'GET /me: user ann → bob');
  });

  it('names session id changes without showing the ids', () => {
    const { change } = compareIdentity(known, { sessionId: 's-2', sid: 'c-2' }, 'greeting after reconnect');
    assert.equal(change, 'greeting after reconnect: session id changed, session id in the cookie changed');
    assert.doesNotMatch(change ?? '', /s-2|c-2/);
  });

  it('calls a missing value a change when the profile says where it should be', () => {
    assert.equal(compareIdentity(known, { user: null }, 'GET /me').change, 'GET /me: no user named');
    assert.equal(
      compareIdentity(known, { sid: null }, 'GET /me').change,
      'GET /me: no session id in the cookie',
    );
  });
});
