/**
 * The import statements of esbuild's ESM output, binding by binding (build/esm-imports.ts), read from a
 * real esbuild build as build/k6-imports.ts and build/on-call-modules.ts read them; and the one import
 * per k6 module that k6-imports.ts leaves in a bundle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type BuildOptions, build } from 'esbuild';
import { esmImports } from '../../build/esm-imports.ts';
import { k6ImportsOnce } from '../../build/k6-imports.ts';

async function esmOutput(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, loader: 'ts' },
    bundle: true,
    format: 'esm',
    external: ['k6', 'k6/*'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('esmImports', () => {
  it('reads default, named (with their local names) and namespace imports', async () => {
    const text = await esmOutput(`
      import http, { CookieJar } from 'k6/http';
      import { setTimeout as later, clearTimeout } from 'k6/timers';
      import * as exec from 'k6/execution';
      export default () => [http, CookieJar, later, clearTimeout, exec];
    `);
    assert.deepEqual(
      esmImports(text).sort((a, b) => a.from.localeCompare(b.from)),
      [
        { from: 'k6/execution', defaultName: null, namespace: 'exec', named: [] },
        {
          from: 'k6/http',
          defaultName: 'http',
          namespace: null,
          named: [{ name: 'CookieJar', local: 'CookieJar' }],
        },
        {
          from: 'k6/timers',
          defaultName: null,
          namespace: null,
          named: [
            { name: 'setTimeout', local: 'later' },
            { name: 'clearTimeout', local: 'clearTimeout' },
          ],
        },
      ],
    );
  });

  it('reads nothing from a text without imports', () => {
    assert.deepEqual(esmImports('const x = 1;\n'), []);
  });
});

describe('k6ImportsOnce', () => {
  it('leaves one import statement per k6 module where esbuild keeps one per importing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-k6-once-'));
    try {
      writeFileSync(
        join(dir, 'a.ts'),
        "import { setTimeout } from 'k6/timers';\nexport const a = () => setTimeout(() => {}, 1);\n",
      );
      writeFileSync(
        join(dir, 'b.ts'),
        "import { setTimeout, clearTimeout } from 'k6/timers';\nimport http from 'k6/http';\nexport const b = () => [setTimeout, clearTimeout, http];\n",
      );
      writeFileSync(
        join(dir, 'entry.ts'),
        "import { a } from './a.ts';\nimport { b } from './b.ts';\nexport default () => [a(), b()];\n",
      );
      const options: BuildOptions = {
        entryPoints: [join(dir, 'entry.ts')],
        bundle: true,
        format: 'esm',
        external: ['k6', 'k6/*'],
        write: false,
        logLevel: 'silent',
      };
      const plain = await build(options);
      const once = await build({ ...options, plugins: [await k6ImportsOnce(options)] });
      const timers = (text: string) => esmImports(text).filter((i) => i.from === 'k6/timers');
      assert.equal(
        timers(plain.outputFiles?.[0]?.text ?? '').length,
        2,
        "esbuild keeps both files' statements",
      );
      const merged = timers(once.outputFiles?.[0]?.text ?? '');
      assert.equal(merged.length, 1);
      assert.deepEqual(merged[0]?.named.map((n) => n.name).sort(), ['clearTimeout', 'setTimeout']);
      assert.equal(
        esmImports(once.outputFiles?.[0]?.text ?? '').filter((i) => i.from === 'k6/http').length,
        1,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
