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
 * How often each acked order of one orders key was applied, from what the key holds: its field's count
 * (count-hash: `values`, HMGET's answer), its field's presence (hash: 1 or 0; a second application cannot
 * be seen there), or the list items naming it at `idField` (each item parsed once; an item that is not
 * JSON names none).
 */
export function timesApplied(
  type: 'count-hash' | 'hash' | 'list',
  cids: readonly string[],
  stored: { values?: readonly (string | null)[]; items?: readonly string[] },
  idField?: string,
): number[] {
  if (type !== 'list') {
    const values = stored.values ?? [];
    return cids.map((_, i) => {
      const value = values[i] ?? null;
      if (value === null) return 0;
      return type === 'hash' ? 1 : Number(value);
    });
  }
  const named = new Map<string, number>();
  for (const item of stored.items ?? []) {
    let id: string;
    try {
      id = String(pick(JSON.parse(item), idField ?? 'id'));
    } catch {
      continue;
    }
    named.set(id, (named.get(id) ?? 0) + 1);
  }
  return cids.map((cid) => named.get(cid) ?? 0);
}

/** An acked order as the run records it for the audit: `<user>|<id>` (ids never contain `|`). */
export function orderEntry(user: string, cid: string): string {
  return `${user}|${cid}`;
}

export function parseOrderEntry(entry: string): { user: string; cid: string } {
  const bar = entry.lastIndexOf('|');
  return { user: entry.slice(0, bar), cid: entry.slice(bar + 1) };
}
