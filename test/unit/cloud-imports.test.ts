/**
 * The bundles that run on Grafana Cloud load zones import only what the load zones provide, read from
 * esbuild's metafile of a real build (build/cloud-imports.ts; build/bundle.ts fails on the same check).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { cloudImportProblems } from '../../build/cloud-imports.ts';
import { k6Modules, loadZoneExtensions } from '../../build/k6-modules.ts';
import { loadZoneScripts } from '../../cloud/cloud-plan.ts';
import { repoRoot as repo } from '../../tools/paths.ts';

const allowed = new Set<string>([...k6Modules, ...loadZoneExtensions]);

/** esbuild's metafile of `entry` bundled as build/bundle.ts bundles the k6 entries (nothing written). */
async function metafileOf(entry: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [join(repo, entry)],
    outdir: join(repo, 'dist'),
    absWorkingDir: repo,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // run-end.cjs is required beside the entry at run time (build/bundle.ts checks its imports too).
    external: ['k6', 'k6/*', 'https://*', './run-end.cjs'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return result.metafile;
}

describe('cloud-bound bundles and the modules Grafana Cloud load zones provide', () => {
  it('the split mode’s load is the one bundle sent to load zones (the full suite runs here)', () => {
    assert.deepEqual(loadZoneScripts(), ['dist/load.js']);
  });

  it('dist/load.js imports nothing outside k6’s own modules and the official extensions', async () => {
    const metafile = await metafileOf('validator/load.ts');
    assert.deepEqual(cloudImportProblems(metafile, ['dist/load.js'], allowed), []);
    const imported = metafile.outputs['dist/load.js']?.imports.map((i) => i.path) ?? [];
    assert.ok(imported.includes('k6/http'), 'the metafile lists the bundle’s k6 imports');
  });

  it('names the bundle, the module and the import chain when a cloud-bound entry reaches a community extension', async () => {
    const metafile = await metafileOf('test/unit/fixtures/cloud-bound.k6.ts');
    assert.deepEqual(cloudImportProblems(metafile, ['dist/cloud-bound.k6.js'], allowed), [
      'dist/cloud-bound.k6.js runs on Grafana Cloud load zones but imports k6/x/kubernetes (test/unit/fixtures/cloud-bound.k6.ts → validator/run/preflight.ts → validator/rollout/kube.ts), which they do not provide',
    ]);
  });

  it('the main job, which runs here (--local-execution), imports extensions load zones lack', async () => {
    const metafile = await metafileOf('validator/zero-downtime.ts');
    const problems = cloudImportProblems(metafile, ['dist/zero-downtime.js'], allowed);
    assert.ok(problems.some((p) => p.includes('k6/x/kubernetes')));
    assert.ok(problems.some((p) => p.includes('k6/x/zerodrop')));
  });

  it('a cloud-bound bundle missing from the build is a problem, not a pass', () => {
    assert.deepEqual(cloudImportProblems({ inputs: {}, outputs: {} }, ['dist/load.js'], allowed), [
      'dist/load.js runs on Grafana Cloud load zones but was not built',
    ]);
  });
});
