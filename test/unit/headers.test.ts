import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHeaderName, responseHeader } from '../../validator/users/headers.ts';

describe('response headers', () => {
  it('canonicalises names as Go does', () => {
    assert.equal(canonicalHeaderName('x-pod'), 'X-Pod');
    assert.equal(canonicalHeaderName('SET-COOKIE'), 'Set-Cookie');
    assert.equal(canonicalHeaderName('X-Instance-Id'), 'X-Instance-Id');
    assert.equal(canonicalHeaderName('x_served_by'), 'X_served_by');
    assert.equal(canonicalHeaderName('www-authenticate'), 'Www-Authenticate');
    // Go leaves a name with a byte no header name may hold as it is.
    assert.equal(canonicalHeaderName('x pod'), 'x pod');
  });

  it('finds a header named in any case, and nothing for an absent one', () => {
    const headers = { 'X-Served-By': 'pod-a', 'Set-Cookie': 'sid=1' };
    assert.equal(responseHeader(headers, 'x-served-by'), 'pod-a');
    assert.equal(responseHeader(headers, 'X-SERVED-BY'), 'pod-a');
    assert.equal(responseHeader(headers, 'set-cookie'), 'sid=1');
    assert.equal(responseHeader(headers, 'X-Color'), undefined);
  });
});
