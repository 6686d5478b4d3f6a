/**
 * The session id inside a session cookie's value, as the service's own session library reads it, so the
 * store key can be derived from what the service really has. Pure: no k6 imports.
 *   raw             the value is the id (the reference service)
 *   express-signed  express-session + cookie-signature: URL-encoded `s:<sid>.<signature>`
 *   spring-base64   Spring Session's DefaultCookieSerializer: standard base64 of the id (+ `.jvmRoute`)
 */
import type { cookieFormats } from '../profile/profile.ts';

export type CookieFormat = (typeof cookieFormats)[number];

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (padding optional) to a Latin-1 string; null when it is not base64. */
function decodeBase64(text: string): string | null {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) return null;
  let bits = 0;
  let value = 0;
  let out = '';
  for (const char of clean) {
    value = (value << 6) | base64Alphabet.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  return out;
}

function decodeUri(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The session id in a cookie value; null when the value is not in that format. */
export function sessionIdFromCookie(value: string, format: CookieFormat = 'raw'): string | null {
  if (value === '') return null;
  switch (format) {
    case 'raw':
      return value;
    case 'express-signed': {
      const decoded = decodeUri(value);
      if (decoded === null || !decoded.startsWith('s:')) return null;
      const dot = decoded.lastIndexOf('.');
      return dot > 2 ? decoded.slice(2, dot) : null;
    }
    case 'spring-base64': {
      const decoded = decodeBase64(value);
      if (decoded === null || decoded === '') return null;
      const route = decoded.indexOf('.');
      return route === -1 ? decoded : decoded.slice(0, route);
    }
  }
}
