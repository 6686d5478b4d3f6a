/** The Redis audit's rules, on values already read from the store. Pure: no k6 imports. */
import { pick } from '../profile/profile.ts';

export type SessionFinding = 'ok' | 'missing' | 'null-value' | 'wrong-user' | 'wrong-type';

/** A session key as read: its Redis type and, for a string, its value; for a hash, its fields. */
export type StoredSession =
  | { type: 'none' }
  | { type: 'string'; value: string }
  | { type: 'hash'; fields: Record<string, string> }
  | { type: 'other'; name: string };

export interface SessionSpec {
  type: 'json' | 'hash' | 'opaque';
  userField?: string;
}

/** Judges one stored session against its user, as the profile describes the value. */
export function judgeSession(stored: StoredSession, user: string, spec: SessionSpec): SessionFinding {
  if (stored.type === 'none') return 'missing';
  if (stored.type === 'other') return spec.type === 'opaque' ? 'ok' : 'wrong-type';
  if (stored.type === 'hash') {
    if (spec.type === 'json') return 'wrong-type';
    if (Object.keys(stored.fields).length === 0) return 'null-value';
    if (spec.userField === undefined) return 'ok';
    return stored.fields[spec.userField] === user ? 'ok' : 'wrong-user';
  }
  if (isNullValue(stored.value)) return 'null-value';
  if (spec.type === 'hash') return 'wrong-type';
  if (spec.type === 'opaque' || spec.userField === undefined) return 'ok';
  let data: unknown;
  try {
    data = JSON.parse(stored.value);
  } catch {
    return 'wrong-type';
  }
  return pick(data, spec.userField) === user ? 'ok' : 'wrong-user';
}

/** Null, empty or a serialized null: what a racing check-then-act leaves behind. */
export function isNullValue(stored: string): boolean {
  const trimmed = stored.trim();
  return (
    trimmed === '' || trimmed === 'null' || trimmed === 'nil' || trimmed === 'undefined' || trimmed === '{}'
  );
}

/**
 * How often an acked order was applied, from what the orders key holds: a count (count-hash), presence
 * (hash: 1 or 0; a second application cannot be seen there), or the list items naming it.
 */
export function timesApplied(
  type: 'count-hash' | 'hash' | 'list',
  cid: string,
  stored: { count?: string | null; exists?: boolean; items?: string[] },
  idField?: string,
): number {
  switch (type) {
    case 'count-hash':
      return stored.count === null || stored.count === undefined ? 0 : Number(stored.count);
    case 'hash':
      return stored.exists ? 1 : 0;
    case 'list':
      return (stored.items ?? []).filter((item) => {
        try {
          return String(pick(JSON.parse(item), idField ?? 'id')) === cid;
        } catch {
          return false;
        }
      }).length;
  }
}

/** An acked order as the run records it for the audit: `<user>|<id>` (ids never contain `|`). */
export function orderEntry(user: string, cid: string): string {
  return `${user}|${cid}`;
}

export function parseOrderEntry(entry: string): { user: string; cid: string } {
  const bar = entry.lastIndexOf('|');
  return { user: entry.slice(0, bar), cid: entry.slice(bar + 1) };
}
