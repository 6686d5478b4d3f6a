/** Session ids decoded from session cookies as each session library writes them (targets.md §1, §3). */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { sessionIdFromCookie } from '../../validator/users/session-cookie.ts';

/** cookie-signature's sign() and express-session's setcookie(): `s:` + sid + '.' + base64 HMAC, URL-encoded. */
function expressCookie(sid: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${sid}.${mac}`);
}

describe('sessionIdFromCookie', () => {
  it('raw: the value is the id', () => {
    assert.equal(sessionIdFromCookie('abc-123'), 'abc-123');
    assert.equal(sessionIdFromCookie('', 'raw'), null);
  });

  it('express-signed: URL-decodes, drops s:, cuts at the last dot', () => {
    const sid = 'Xq3_vB9-kLmN0pQrStUvWxYz01234567';
    const cookie = expressCookie(sid, 'keyboard cat');
    assert.match(cookie, /^s%3A/);
    assert.equal(sessionIdFromCookie(cookie, 'express-signed'), sid);
    assert.equal(sessionIdFromCookie(`s:${sid}.sig`, 'express-signed'), sid);
  });

  it('express-signed: unsigned or broken values have no id', () => {
    for (const value of ['plain', 's:', 's:.sig', '%E0%A4%A', 'x:abc.def'])
      assert.equal(sessionIdFromCookie(value, 'express-signed'), null, value);
  });

  it('spring-base64: standard base64 of the id, jvmRoute stripped', () => {
    const id = '3f8a1c2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b';
    const cookie = Buffer.from(id).toString('base64');
    assert.equal(cookie.length, 48);
    assert.equal(sessionIdFromCookie(cookie, 'spring-base64'), id);
    assert.equal(sessionIdFromCookie(Buffer.from(`${id}.node1`).toString('base64'), 'spring-base64'), id);
    assert.equal(sessionIdFromCookie(Buffer.from('ab').toString('base64'), 'spring-base64'), 'ab');
  });

  it('spring-base64: values that are not base64 have no id', () => {
    for (const value of ['not base64!', 'a', '%%%'])
      assert.equal(sessionIdFromCookie(value, 'spring-base64'), null, value);
  });
});
