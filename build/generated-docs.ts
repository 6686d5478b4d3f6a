/**
 * The documentation tables generated from the code's one home for them: the README's settings table
 * (validator/settings/registry.ts) and docs/metrics.md's metric tables (validator/verdict/catalog.ts).
 * Each sits between `<!-- generated:<name> … -->` and `<!-- generated:end -->` in its file;
 * test/unit/generated-docs.test.ts fails when a file and its source differ.
 *
 * Usage: tsx build/generated-docs.ts   (make docs)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { repoPath } from '../tools/paths.ts';
import { settingsTable } from '../validator/settings/registry-docs.ts';
import { metricTable } from '../validator/verdict/catalog-docs.ts';

export interface GeneratedSection {
  /** Relative to the repository. */
  file: string;
  name: string;
  content: () => string;
}

export const sections: GeneratedSection[] = [
  { file: 'README.md', name: 'settings', content: settingsTable },
  { file: 'docs/metrics.md', name: 'invariants', content: () => metricTable('invariants') },
  { file: 'docs/metrics.md', name: 'context', content: () => metricTable('context') },
];

/** `text` with the section `name` replaced by `content`; throws when its markers are missing. */
export function withSection(text: string, name: string, content: string): string {
  const found = new RegExp(`(<!-- generated:${name} [^\\n]*-->\\n)[\\s\\S]*?(<!-- generated:end -->)`).exec(
    text,
  );
  if (!found) throw new Error(`no <!-- generated:${name} … --> … <!-- generated:end --> markers`);
  return text.replace(found[0], `${found[1]}${content}\n${found[2]}`);
}

/** Each file's text as generated from the sections' sources. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const section of sections) {
    const text = files.get(section.file) ?? readFileSync(repoPath(section.file), 'utf8');
    files.set(section.file, withSection(text, section.name, section.content()));
  }
  return files;
}

// Run as a script (not when the test imports it).
if (process.argv[1] === import.meta.filename) {
  for (const [file, text] of generatedFiles()) {
    writeFileSync(repoPath(file), text);
    console.log(` ✓ ${file}: generated tables written`);
  }
}
