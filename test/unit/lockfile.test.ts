/** package-lock.json is complete: `npm ci` accepts it and `make setup` never rewrites it in a fresh clone. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('package-lock.json', () => {
  it("holds every optional dependency of every package, other platforms' included", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        // npm resolves a dependency next to its dependent first, then at the top level.
        const nested = `${path}/node_modules/${dep}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${dep}`])
          missing.push(`${dep} (of ${path || 'the root'})`);
      }
    }
    assert.deepEqual(missing, [], 'npm ci refuses a lock without these; run npm install and commit the lock');
  });
});
