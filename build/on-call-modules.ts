/**
 * Modules that run in one VU of a run — the rollout driver and the readiness follower — bundled into the
 * entries as a factory that their first call runs, so the VUs that carry the load never instantiate them.
 * k6 instantiates every top-level function of a script in every VU (about 0.7 KB each, measured), while a
 * function nested in one never called costs nothing; k6 allows require() only in the init context, so the
 * code that one VU runs cannot be loaded later from a file.
 *
 * An esbuild plugin: the module is bundled on its own (CommonJS) and its text inlined into a factory;
 * the entry sees a stub that exports one forwarding function per export. Inside the factory, k6 modules
 * and the modules that may run only in the init context (k6 declares metrics there) are the entry's own,
 * imported by the stub; everything else is the factory's own copy (module caches only, no shared state).
 * Every export of an on-call module must be a function: the build fails naming any other.
 */
import { dirname, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { repoRoot as repo } from '../tools/paths.ts';
import { StepError } from '../tools/status.ts';
import { esmImports } from './esm-imports.ts';

/** Instantiated on their first call, in the VU that makes it (repository paths). */
export const onCallModules = ['validator/rollout/driver.ts', 'validator/readiness/follow.ts'];
/** Shared with the entry, never copied: their top level runs only in the init context. */
const initOnlyModules = ['validator/verdict/metrics.ts'];
const provided = 'zerodrop-entry:';

/**
 * The plugin for the entries' build; `options` and `plugins` are what the entries are built with (the
 * factories are bundled the same way).
 */
export function onCallPlugin(options: BuildOptions, plugins: () => Plugin[]): Plugin {
  return {
    name: 'zerodrop-on-call',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!onCallModules.includes(relative(repo, args.path))) return undefined;
        return {
          contents: await factory(args.path, options, plugins()),
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** Leaves the init-only modules to the entry: `require('zerodrop-entry:<path>')` in the factory. */
const initOnlyExternal: Plugin = {
  name: 'zerodrop-init-only',
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      const path = relative(repo, resolve(args.resolveDir, args.path));
      return initOnlyModules.includes(path) ? { path: `${provided}${path}`, external: true } : undefined;
    });
  },
};

async function factory(file: string, options: BuildOptions, plugins: Plugin[]): Promise<string> {
  const common = {
    ...options,
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    sourcemap: false,
    absWorkingDir: repo,
  };
  const [cjs, esm] = await Promise.all([
    build({ ...common, format: 'cjs', plugins: [initOnlyExternal, ...plugins] }),
    build({ ...common, format: 'esm', minify: false, plugins: [initOnlyExternal, ...plugins] }),
  ]);
  const shown = relative(repo, file);
  const output = Object.values(esm.metafile?.outputs ?? {})[0];
  const esmText = esm.outputFiles?.[0]?.text ?? '';
  const exportNames = output?.exports ?? [];
  for (const name of exportNames) {
    const local = new RegExp(`\\b(\\w+) as ${name}\\b`).exec(esmText)?.[1] ?? name;
    if (!new RegExp(`\\bfunction\\s+${local}\\(`).test(esmText))
      throw new StepError(
        `bundle failed: ${shown} is instantiated on call, so it may export only functions: '${name}' is not one`,
      );
  }
  const { imports, table } = providedImports(esmText);
  const code = cjs.outputFiles?.[0]?.text ?? '';
  return [
    `// ${shown}, instantiated on its first call (build/on-call-modules.ts)`,
    ...imports,
    'let loaded;',
    'function load() {',
    '  if (loaded) return loaded;',
    `  const provided = { ${table} };`,
    '  const module = { exports: {} };',
    `  (function (require, module, exports) {\n${code}\n  })((name) => provided[name], module, module.exports);`,
    '  loaded = module.exports;',
    '  return loaded;',
    '}',
    ...exportNames.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
  ].join('\n');
}

/**
 * The stub's imports of what the factory takes from the entry, binding for binding as the module's own
 * imports read (a namespace only where the module imports one: a namespace of a k6 module instantiates
 * every export in every VU), and the table the factory's require() answers from (`__esModule`: its
 * CommonJS interop then reads `default` as the default export).
 */
function providedImports(esmText: string): { imports: string[]; table: string } {
  const imports: string[] = [];
  const fieldsOf = new Map<string, string[]>();
  for (const [n, i] of esmImports(esmText).entries()) {
    const from = JSON.stringify(
      i.from.startsWith(provided) ? resolve(repo, i.from.slice(provided.length)) : i.from,
    );
    const fields = fieldsOf.get(i.from) ?? [];
    fieldsOf.set(i.from, fields);
    if (i.namespace) {
      imports.push(`import * as m${n} from ${from};`);
      fields.push(`...m${n}`);
    } else if (i.defaultName) {
      imports.push(`import m${n}_default from ${from};`);
      fields.push(`default: m${n}_default`);
    }
    if (i.named.length > 0) {
      imports.push(
        `import { ${i.named.map(({ name }) => `${name} as m${n}_${name}`).join(', ')} } from ${from};`,
      );
      fields.push(...i.named.map(({ name }) => `${name}: m${n}_${name}`));
    }
  }
  const table = [...fieldsOf].map(
    ([path, fields]) => `${JSON.stringify(path)}: { __esModule: true, ${fields.join(', ')} }`,
  );
  return { imports, table: table.join(', ') };
}
