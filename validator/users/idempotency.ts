/**
 * The Idempotency-Key of a state-changing request (login, logout). A kept-alive connection that the
 * server closes just as a request goes out fails that request before any answer; HTTP clients resend it
 * on a fresh connection only when the request is known to be safe to repeat (RFC 9112 §9.3.1) — browsers
 * do for every method, k6's Go client for GET and for any request carrying an Idempotency-Key. Login and
 * logout are safe to repeat, so they carry one, unique per request (a Structured Fields string, as the
 * IETF draft asks), and the synthetic users meet that close race as people's browsers do. Pure.
 */

const hex = '0123456789abcdef';

/** A random UUID v4 as a quoted string. */
export function idempotencyKey(random: () => number = Math.random): string {
  let uuid = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) uuid += '-';
    else if (i === 14) uuid += '4';
    else if (i === 19) uuid += hex[8 + Math.floor(random() * 4)];
    else uuid += hex[Math.floor(random() * 16)];
  }
  return `"${uuid}"`;
}
