/** The generated documentation tables match their sources, and each source has one entry per name. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generatedFiles, withSection } from '../../build/generated-docs.ts';
import { repoPath } from '../../tools/paths.ts';
import { runVariables, secretVariables, settingTable } from '../../validator/settings/registry.ts';

describe('generated documentation', () => {
  for (const [file, text] of generatedFiles()) {
    it(`${file} is what its sources say (make docs rewrites it)`, () => {
      assert.equal(readFileSync(repoPath(file), 'utf8'), text, `${file} is stale: run make docs`);
    });
  }

  it('refuses a file without the markers', () => {
    assert.throws(() => withSection('no markers here', 'settings', 'x'), /generated:settings/);
  });
});

describe('settings registry', () => {
  it('has one entry per variable and per Config field', () => {
    const settings = settingTable();
    assert.equal(new Set(settings.map((s) => s.env)).size, settings.length);
    assert.equal(new Set(settings.map((s) => s.key)).size, settings.length);
  });

  it('never repeats a secret in a reproduce command', () => {
    assert.deepEqual(secretVariables(), ['USER_PASSWORD']);
    for (const name of secretVariables()) assert.ok(!runVariables().includes(name), name);
  });
});
