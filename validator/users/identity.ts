/**
 * Identity continuity: what a response or greeting says about a session, compared with what the session
 * was when it was established. A value the baseline does not know yet is adopted; a value that differs
 * is a change, named by field and where it was seen (user names are shown, session ids never are).
 * Pure: no k6 imports.
 */
/** Who a session belongs to, as far as the profile lets zerodrop see it. */
export interface Identity {
  /** The user the service names; null until a response or greeting names it. */
  user: string | null;
  /** The session id the service names (http.identity.sessionId or the greeting); null when it names none. */
  sessionId: string | null;
  /** The session id decoded from the session cookie (the store key's `{sid}`); null without a cookie. */
  sid: string | null;
}

/** What one response or greeting showed; undefined = the profile does not say where to look. */
export interface Seen {
  user?: string | null;
  sessionId?: string | null;
  sid?: string | null;
}

export interface Comparison {
  identity: Identity;
  /** Null when nothing changed, else e.g. "GET /api/me: user zd-h1 → zd-h2". */
  change: string | null;
}

/** A seen value that equals the baseline's known one (undefined: not looked at). */
const agrees = (seen: string | null | undefined, known: string | null) =>
  seen === undefined || (seen !== null && seen === known);

export function compareIdentity(baseline: Identity, seen: Seen, where: string): Comparison {
  // Nearly every response: the same identity again, compared without building anything.
  if (
    agrees(seen.user, baseline.user) &&
    agrees(seen.sessionId, baseline.sessionId) &&
    agrees(seen.sid, baseline.sid)
  )
    return { identity: baseline, change: null };
  const identity = { ...baseline };
  const changes: string[] = [];
  if (seen.user !== undefined) {
    if (seen.user === null) changes.push('no user named');
    else if (identity.user === null) identity.user = seen.user;
    else if (seen.user !== identity.user) changes.push(`user ${identity.user} → ${seen.user}`);
  }
  const ids: [keyof Seen & ('sessionId' | 'sid'), string][] = [
    ['sessionId', 'session id'],
    ['sid', 'session id in the cookie'],
  ];
  for (const [field, label] of ids) {
    const value = seen[field];
    if (value === undefined) continue;
    if (value === null) changes.push(`no ${label}`);
    else if (identity[field] === null) identity[field] = value;
    else if (value !== identity[field]) changes.push(`${label} changed`);
  }
  return { identity, change: changes.length === 0 ? null : `${where}: ${changes.join(', ')}` };
}

/**
 * How reports and audit lines name a session: `#` and the first 8 hex digits of the SHA-256 of its id —
 * stable, and found again from the service's side (`printf %s "$sid" | sha256sum | cut -c1-8`), while the
 * id itself, a bearer token while the session lives, is never printed. `sha256Hex` is k6/crypto's in k6
 * and node:crypto's in tests.
 */
export function sessionRef(sid: string, sha256Hex: (text: string) => string): string {
  return `#${sha256Hex(sid).slice(0, 8)}`;
}
