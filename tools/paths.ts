/** Where things are in a clone: computed once, from this file's place, for every Node-side tool and test. */
import { join, resolve } from 'node:path';

/** The clone's root folder. */
export const repoRoot = resolve(import.meta.dirname, '..');

/** A path under the clone's root. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
