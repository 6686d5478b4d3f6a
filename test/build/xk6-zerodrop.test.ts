/** The k6/x/zerodrop extension's Go tests (the native feed reader's decoding among them). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot as repo } from '../../tools/paths.ts';

test('go test ./... in xk6-zerodrop', () => {
  const result = spawnSync('go', ['test', '-count=1', '-v', './...'], {
    cwd: path.join(repo, 'xk6-zerodrop'),
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(result.status, 0, `go test failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^ok\s+zerodrop\.dev\/xk6-zerodrop/m);
  assert.match(result.stdout, /--- PASS: TestFeedReaderFromJavaScript/);
});
