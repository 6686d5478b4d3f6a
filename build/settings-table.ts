/**
 * Writes the README's settings table from the settings registry (validator/settings/registry.ts), between
 * its `<!-- settings: … -->` and `<!-- settings:end -->` markers. test/unit/settings-registry.test.ts
 * fails when the README and the registry differ.
 *
 * Usage: tsx build/settings-table.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { repoPath } from '../tools/paths.ts';
import { settingsTable } from '../validator/settings/registry.ts';

export const readmePath = repoPath('README.md');

/** The README with its settings table replaced by `table`; throws when the markers are missing. */
export function withSettingsTable(readme: string, table: string): string {
  const found = /(<!-- settings: [^\n]*-->\n)[\s\S]*?(<!-- settings:end -->)/.exec(readme);
  if (!found) throw new Error('README.md has no <!-- settings: … --> … <!-- settings:end --> markers');
  return readme.replace(found[0], `${found[1]}${table}\n${found[2]}`);
}

// Run as a script (not when a test imports withSettingsTable).
if (process.argv[1] === import.meta.filename) {
  const readme = readFileSync(readmePath, 'utf8');
  writeFileSync(readmePath, withSettingsTable(readme, settingsTable()));
  console.log(' ✓ README.md settings table written from validator/settings/registry.ts');
}
