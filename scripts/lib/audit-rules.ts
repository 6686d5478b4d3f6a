/** The Redis audit's rules, on values already read from the store. Pure: no k6 imports. */
import { pick } from './profile.ts';

export type SessionFinding = 'ok' | 'missing' | 'null-value' | 'wrong-user';

/** A stored session value: `null` when the key does not exist. */
export function judgeSession(stored: string | null, user: string, userField: string): SessionFinding {
  if (stored === null) return 'missing';
  if (isNullValue(stored)) return 'null-value';
  let data: unknown;
  try {
    data = JSON.parse(stored);
  } catch {
    // Not JSON: an opaque value; only emptiness can be judged.
    return 'ok';
  }
  return pick(data, userField) === user ? 'ok' : 'wrong-user';
}

/** Null, empty or a serialized null: what a racing check-then-act leaves behind. */
export function isNullValue(stored: string): boolean {
  const trimmed = stored.trim();
  return (
    trimmed === '' || trimmed === 'null' || trimmed === 'nil' || trimmed === 'undefined' || trimmed === '{}'
  );
}

/** An acked order must have been applied exactly once; `applied` is the stored count or null. */
export function appliedOnce(applied: string | null): boolean {
  return applied !== null && Number(applied) === 1;
}

/** The key pattern for SCAN from a template like `zd:session:{sessionId}`. */
export function scanPattern(template: string): string {
  return template.replace(/\{\w+\}/g, '*');
}
