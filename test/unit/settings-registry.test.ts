/** The settings registry: one entry per variable, and the README's table is the registry's. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmePath, withSettingsTable } from '../../build/settings-table.ts';
import { runVariables, secretVariables, settings, settingsTable } from '../../validator/settings/registry.ts';

describe('settings registry', () => {
  it('has one entry per variable and per Config field', () => {
    assert.equal(new Set(settings.map((s) => s.env)).size, settings.length);
    assert.equal(new Set(settings.map((s) => s.key)).size, settings.length);
  });

  it('never repeats a secret in a reproduce command', () => {
    assert.deepEqual(secretVariables, ['USER_PASSWORD']);
    for (const name of secretVariables) assert.ok(!runVariables.includes(name), name);
  });

  it('is what the README says (make settings-table rewrites it)', () => {
    const readme = readFileSync(readmePath, 'utf8');
    assert.equal(
      readme,
      withSettingsTable(readme, settingsTable()),
      'README.md settings table is stale: run make settings-table',
    );
  });
});
