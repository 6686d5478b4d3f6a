/**
 * The bundle budget (issue 11): every file k6 loads from dist/ stays under 100 KB, because k6
 * instantiates a script's top level in every VU; and the report code, which only VU 0 runs, is in
 * dist/run-end.cjs, not in the entries the load VUs instantiate. Reads dist/ as `make bundle` left it
 * (`make test-suite` bundles first).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist', import.meta.url));
const budget = 100 * 1024;
const bundles = readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'));

test('every bundle is under 100 KB', () => {
  assert.ok(
    bundles.includes('zero-downtime.js') && bundles.includes('run-end.cjs'),
    `dist/ holds ${bundles.join(', ')}`,
  );
  const over = bundles
    .map((f) => ({ f, kb: statSync(join(dist, f)).size / 1024 }))
    .filter(({ kb }) => kb * 1024 >= budget)
    .map(({ f, kb }) => `${f} ${kb.toFixed(1)} KB`);
  assert.deepEqual(over, [], `over the ${budget / 1024} KB budget`);
});

test('the report code ships in run-end.cjs only, loaded by the entries in VU 0', () => {
  // A text only the diagnosis holds: present in run-end.cjs, absent from every entry.
  const marker = 'keep sessions in the shared store';
  assert.ok(readFileSync(join(dist, 'run-end.cjs'), 'utf8').includes(marker));
  for (const entry of bundles.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(dist, entry), 'utf8');
    assert.ok(!text.includes(marker), `${entry} carries the diagnosis texts`);
    if (entry !== 'check.js') assert.ok(text.includes('run-end.cjs'), `${entry} requires run-end.cjs`);
  }
});
