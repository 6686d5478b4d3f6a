/**
 * The GitHub Actions template users copy (ci-templates/github-actions/zerodrop.yml) is linted by the real actionlint
 * (built by `make tools`), and a copy with deliberate mistakes must fail, so this test can fail.
 * Shellcheck and pyflakes integration is off: results must not depend on what else is on PATH.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { requireTool } from '../../build/tool-paths.ts';
import { repoRoot as repo } from '../../tools/paths.ts';

const template = join(repo, 'ci-templates/github-actions/zerodrop.yml');
const actionlint = requireTool('actionlint');
const work = mkdtempSync(join(tmpdir(), 'zerodrop-actionlint-'));
after(() => rmSync(work, { recursive: true, force: true }));

function lint(file: string) {
  const out = spawnSync(actionlint, ['-no-color', '-shellcheck=', '-pyflakes=', file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

/** The template with one mistake; fails the test if the text to break is no longer in the template. */
function broken(name: string, from: string, to: string): string {
  const text = readFileSync(template, 'utf8');
  assert.ok(text.includes(from), `the template no longer contains ${JSON.stringify(from)}`);
  const file = join(work, `${name}.yml`);
  writeFileSync(file, text.replace(from, to));
  return file;
}

test('actionlint accepts the CI template', () => {
  const { status, output } = lint(template);
  assert.equal(status, 0, output);
});

const mistakes = [
  {
    name: 'gate reads the output of a step id that does not exist',
    from: 'steps.zerodrop.outputs.exit-code',
    to: 'steps.zero-drop.outputs.exit-code',
    rule: /property "zero-drop" is not defined .*\[expression\]/,
  },
  {
    name: 'upload-artifact input misspelt',
    from: 'if-no-files-found: warn',
    to: 'if-no-file-found: warn',
    rule: /input "if-no-file-found" is not defined.*\[action\]/,
  },
  {
    name: 'timeout that is not a number',
    from: 'timeout-minutes: 45',
    to: 'timeout-minutes: forty-five',
    rule: /found plain text node \[syntax-check\]/,
  },
];

for (const mistake of mistakes) {
  test(`actionlint rejects a broken copy: ${mistake.name}`, () => {
    const { status, output } = lint(broken(mistake.name.replaceAll(' ', '-'), mistake.from, mistake.to));
    assert.equal(status, 1, `actionlint should have failed:\n${output}`);
    assert.match(output, mistake.rule);
  });
}
