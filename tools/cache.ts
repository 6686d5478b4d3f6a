/** The user's cache folder for zerodrop, outside any clone, so fresh clones on one machine share builds. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zerodrop');
}

/** Short content hash over strings and the files under the given folders (sorted, path-qualified). */
export function contentKey(parts: string[], folders: string[] = []): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  for (const folder of folders) {
    for (const file of listFiles(folder)) {
      hash.update(relative(folder, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap((name) => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
