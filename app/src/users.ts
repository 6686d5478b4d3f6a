/**
 * Test users: the fixed list from USERS, plus synthetic users for load tests (any name with
 * SYNTHETIC_USERS_PREFIX logs in with SYNTHETIC_USERS_PASSWORD; disabled while that is unset).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface UserDirectory {
  readonly users: ReadonlyMap<string, string>;
  readonly syntheticUsers: { readonly prefix: string; readonly password: string | null };
}

const USERNAME = /^[\w.@-]{1,64}$/;

export function credentialsAreValid(directory: UserDirectory, username: string, password: string): boolean {
  if (!USERNAME.test(username)) return false;
  const listed = directory.users.get(username);
  if (listed !== undefined) return sameSecret(password, listed);
  const { prefix, password: syntheticPassword } = directory.syntheticUsers;
  return (
    syntheticPassword !== null &&
    username.length > prefix.length &&
    username.startsWith(prefix) &&
    sameSecret(password, syntheticPassword)
  );
}

/** Constant-time comparison (of digests, so lengths never leak either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
