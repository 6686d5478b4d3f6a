/**
 * Bundles every k6 entry `validator/<name>.ts` into `dist/<name>.js` (ESM, k6's browser-like runtime,
 * k6 modules external, minified with source maps: every VU instantiates the whole script, so its size is
 * paid once per VU), the code only VU 0 runs (audit and reports, validator/verdict/run-end.ts) into
 * `dist/run-end.cjs`, which the entries require() in VU 0 only, and the reference service into
 * `dist/app/server.cjs` (not minified). In the entries, the code one VU runs (the rollout driver, the
 * readiness follower) is a factory instantiated on its first call (on-call-modules.ts), and each k6
 * export is imported once (k6-imports.ts): both are what every other VU would otherwise hold. With ADAPTER=path.ts the user's adapter module
 * (validator/adapter/adapter.ts) is bundled into every entry. Fails naming the file when a script imports
 * a missing file or a k6 module this k6 build lacks, and naming the bundle when one that runs on Grafana
 * Cloud load zones (or run-end.cjs, which it requires) imports a module they do not provide.
 *
 * Usage: [ADAPTER=path.ts] [BUNDLE_DIR=dist] tsx build/bundle.ts
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { loadZoneScripts } from '../cloud/cloud-plan.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { fatal, Status, StepError } from '../tools/status.ts';
import { cloudImportProblems } from './cloud-imports.ts';
import { k6ImportsOnce } from './k6-imports.ts';
import { k6Modules, loadZoneExtensions } from './k6-modules.ts';
import { onCallPlugin } from './on-call-modules.ts';
import { readPins } from './pins.ts';

const status = new Status(process.stdout);
/** The file the entries require() in VU 0 (validator/verdict/run-end-loader.ts), beside them. */
const runEndFile = 'run-end.cjs';

/** What the entries and run-end.cjs share: k6's runtime, k6 modules external, minified. */
const k6Options: BuildOptions = {
  platform: 'browser',
  target: 'es2022',
  external: ['k6', 'k6/*', 'https://*'],
  minify: true,
};

/**
 * The user's adapter in place of validator/adapter/adapter-module.ts (its exports and its path for messages);
 * without ADAPTER the file stays as it is: no adapter. A relative path is the working directory's
 * (`make bundle` passes it absolute).
 */
/** A path as messages show it: relative to the repository when inside it. */
const shownPath = (file: string) => (relative(repo, file).startsWith('..') ? file : relative(repo, file));

function adapterPlugin(adapter: string | undefined, mustBundle = true): Plugin {
  return {
    name: 'zerodrop-adapter',
    setup(b) {
      b.onResolve({ filter: /^\.\/run-end\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      if (!adapter) return;
      const file = resolve(adapter);
      if (!existsSync(file)) throw new StepError(`ADAPTER: cannot read '${adapter}'`);
      const shown = shownPath(file);
      let replaced = false;
      b.onLoad({ filter: /[\\/]adapter-module\.ts$/ }, () => {
        replaced = true;
        return {
          contents: `import * as m from ${JSON.stringify(file)};\nexport const adapterModule = m;\nexport const adapterSource = ${JSON.stringify(shown)};\n`,
          loader: 'ts',
          resolveDir: repo,
        };
      });
      // Should adapter-module.ts move or be renamed, no bundle must go out silently without the adapter.
      b.onEnd(() => {
        if (mustBundle && !replaced)
          throw new StepError('ADAPTER: no entry imports adapter-module.ts: the adapter was not bundled');
      });
    },
  };
}

async function main(): Promise<void> {
  const entries = readdirSync(join(repo, 'validator'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(repo, 'validator', name));
  const known = new Set([
    ...k6Modules,
    ...readPins(join(repo, 'build/versions.json')).extensions.map((e) => e.import),
  ]);
  const adapter = process.env.ADAPTER || undefined;
  const outdir = resolve(repo, process.env.BUNDLE_DIR || 'dist');
  const into = relative(repo, outdir).startsWith('..') ? outdir : relative(repo, outdir);

  const what = `${entries.length} k6 scripts${adapter ? ` with the adapter ${shownPath(resolve(adapter))}` : ''}`;
  const scripts = await status.step(`Bundling ${what} into ${into}/`, async () => {
    const entryOptions: BuildOptions = {
      ...k6Options,
      entryPoints: entries,
      outdir,
      format: 'esm',
      absWorkingDir: repo,
      plugins: [adapterPlugin(adapter), onCallPlugin(k6Options, () => [adapterPlugin(adapter, false)])],
    };
    const result = await bundle({
      ...entryOptions,
      plugins: [...(entryOptions.plugins ?? []), await k6ImportsOnce(entryOptions)],
    });
    // run-end.cjs reads the settings in VU 0 (validator/settings/shared.ts): it checks the same adapter.
    const runEnd = await bundle({
      ...k6Options,
      entryPoints: [join(repo, 'validator/verdict/run-end.ts')],
      outfile: join(outdir, runEndFile),
      format: 'cjs',
      plugins: [adapterPlugin(adapter)],
    });
    rejectUnknownK6Imports(result, known);
    rejectUnknownK6Imports(runEnd, known);
    const allowed = new Set([...k6Modules, ...loadZoneExtensions]);
    // dist/<name>.js as the cloud plan names them, in this bundle folder (BUNDLE_DIR may be another).
    const onLoadZones = loadZoneScripts().map((script) => relative(repo, join(outdir, basename(script))));
    const problems = [
      ...cloudImportProblems(result, onLoadZones, allowed),
      // The load-zone entries require run-end.cjs in VU 0: it runs there too.
      ...cloudImportProblems(
        runEnd,
        onLoadZones.length > 0 ? [relative(repo, join(outdir, runEndFile))] : [],
        allowed,
      ),
    ];
    if (problems.length > 0) throw new StepError(`bundle failed: ${problems.join('; ')}`);
    // Which adapter these bundles carry, as the Makefile's `dist/.adapter` rule compares it.
    writeFileSync(join(outdir, '.adapter'), `${adapter ? resolve(adapter) : ''}\n`);
    return `${sizes(result, outdir)}, ${sizes(runEnd, outdir)}`;
  });
  status.note(scripts);
  // Another bundle folder (a test's, with an adapter) needs no reference service of its own.
  if (process.env.BUNDLE_DIR) return;
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
      // k6 maps stack positions only; the sources are in the repository (1.1 MB of live heap less).
      sourcesContent: false,
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

function sizes(metafile: Metafile, dir = join(repo, 'dist')): string {
  return Object.entries(metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(
      ([file]) =>
        `${relative(dir, join(repo, file))} ${Math.round(statSync(join(repo, file)).size / 1024)} KB`,
    )
    .join(', ');
}

main().catch(fatal);
