/**
 * `go test -count=1 -v ./...` in one of the project's Go modules (the k6 extensions), failing with its
 * output when a test fails; returns what it printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot as repo } from '../../tools/paths.ts';

export function goTest(module: string, env: Record<string, string> = {}): string {
  const result = spawnSync('go', ['test', '-count=1', '-v', './...'], {
    cwd: path.join(repo, module),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(result.status, 0, `go test failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
