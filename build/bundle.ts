/**
 * Bundles every k6 entry `validator/<name>.ts` into `dist/<name>.js` (ESM, k6's browser-like runtime,
 * k6 modules external, minified with source maps: every VU compiles the whole script, so its size is paid
 * once per VU) and the reference service into `dist/app/server.cjs` (not minified).
 * Fails naming the file when a script imports a missing file or a k6 module this k6 build lacks.
 *
 * Usage: tsx build/bundle.ts
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { repoRoot as repo } from '../tools/paths.ts';
import { fatal, Status, StepError } from '../tools/status.ts';
import { k6Modules } from './k6-modules.ts';
import { readPins } from './pins.ts';

const status = new Status(process.stdout);

async function main(): Promise<void> {
  const entries = readdirSync(join(repo, 'validator'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(repo, 'validator', name));
  const known = new Set([
    ...k6Modules,
    ...readPins(join(repo, 'build/versions.json')).extensions.map((e) => e.import),
  ]);

  const scripts = await status.step(`Bundling ${entries.length} k6 scripts into dist/`, async () => {
    const result = await bundle({
      entryPoints: entries,
      outdir: join(repo, 'dist'),
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      external: ['k6', 'k6/*', 'https://*'],
      minify: true,
    });
    rejectUnknownK6Imports(result, known);
    return sizes(result);
  });
  status.note(scripts);
  const service = await status.step('Bundling the reference service into dist/app/server.cjs', async () =>
    sizes(
      await bundle({
        entryPoints: [join(repo, 'app/src/server.ts')],
        outfile: join(repo, 'dist/app/server.cjs'),
        format: 'cjs',
        platform: 'node',
        target: 'node20',
      }),
    ),
  );
  status.note(service);
}

async function bundle(options: BuildOptions): Promise<Metafile> {
  try {
    const result = await build({
      ...options,
      bundle: true,
      sourcemap: true,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: repo,
    });
    return result.metafile;
  } catch (error) {
    const errors = (
      error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }
    ).errors;
    const first = errors?.[0];
    if (!first) throw error;
    const where = first.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new StepError(`bundle failed: ${where}${first.text}`);
  }
}

/** k6 modules are external, so esbuild cannot see a typo like `k6/htpp`: check them against this build. */
function rejectUnknownK6Imports(metafile: Metafile, known: Set<string>): void {
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      const isK6 = imported.path === 'k6' || imported.path.startsWith('k6/');
      if (imported.external && isK6 && !known.has(imported.path)) {
        throw new StepError(`bundle failed: ${file} imports unknown k6 module '${imported.path}'`);
      }
    }
  }
}

function sizes(metafile: Metafile): string {
  return Object.entries(metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file]) => `${relative('dist', file)} ${Math.round(statSync(join(repo, file)).size / 1024)} KB`)
    .join(', ');
}

main().catch(fatal);
