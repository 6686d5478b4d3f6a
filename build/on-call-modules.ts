/**
 * Modules that run in one VU of a run — the rollout driver and the readiness follower — bundled into the
 * entries as a factory that their first call runs, so the VUs that carry the load never instantiate them.
 * k6 instantiates every top-level function of a script in every VU (about 0.7 KB each, measured), while a
 * function nested in one never called costs nothing; k6 allows require() only in the init context, so the
 * code that one VU runs cannot be loaded later from a file.
 *
 * An esbuild plugin: the module is bundled on its own (ESM, unminified: the entry's build minifies it)
 * and its code, without its import and export statements, becomes the body of a factory; the entry sees
 * a stub that makes the same imports under the same names (so the factory's code reads them) and
 * exports one forwarding function per export. The k6 modules and the modules that may run only in the
 * init context (k6 declares metrics there) are so the entry's own; everything else is the factory's own
 * copy (module caches only, no shared state). Every export of an on-call module must be a function: the
 * build fails naming any other.
 */
import { dirname, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { repoRoot as repo } from '../tools/paths.ts';
import { StepError } from '../tools/status.ts';
import { bindingList, esmImports, withoutImports } from './esm-imports.ts';

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
  // One factory per module however many builds use the plugin (k6-imports.ts builds the entries twice).
  const factories = new Map<string, Promise<string>>();
  return {
    name: 'zerodrop-on-call',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!onCallModules.includes(relative(repo, args.path))) return undefined;
        if (!factories.has(args.path)) factories.set(args.path, factory(args.path, options, plugins()));
        return {
          contents: await factories.get(args.path),
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** Leaves the init-only modules to the entry: imported as `zerodrop-entry:<path>` in the module's bundle. */
const initOnlyExternal: Plugin = {
  name: 'zerodrop-init-only',
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      const path = relative(repo, resolve(args.resolveDir, args.path));
      return initOnlyModules.includes(path) ? { path: `${provided}${path}`, external: true } : undefined;
    });
  },
};

const exportBlock = /^export \{([^}]*)\};\n?/m;

async function factory(file: string, options: BuildOptions, plugins: Plugin[]): Promise<string> {
  const shown = relative(repo, file);
  const result = await build({
    ...options,
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    minify: false,
    sourcemap: false,
    write: false,
    absWorkingDir: repo,
    plugins: [initOnlyExternal, ...plugins],
  });
  const text = result.outputFiles?.[0]?.text ?? '';
  const exported = bindingList(exportBlock.exec(text)?.[1] ?? '').map(([local, name]) => ({ local, name }));
  for (const { local, name } of exported) {
    if (!new RegExp(`^(async )?function ${local}\\(`, 'm').test(text))
      throw new StepError(
        `bundle failed: ${shown} is instantiated on call, so it may export only functions: '${name}' is not one`,
      );
  }
  const code = withoutImports(text).replace(exportBlock, '');
  if (/^(import|export) /m.test(code))
    throw new StepError(`bundle failed: ${shown}: an import or export the on-call factory cannot place`);
  const imports = esmImports(text).map((i) => {
    const from = i.from.startsWith(provided) ? resolve(repo, i.from.slice(provided.length)) : i.from;
    const named = i.named.map(({ name, local }) => (name === local ? name : `${name} as ${local}`));
    const clause = [
      i.defaultName,
      i.namespace ? `* as ${i.namespace}` : null,
      named.length > 0 ? `{ ${named.join(', ')} }` : null,
    ].filter(Boolean);
    return `import ${clause.join(', ')} from ${JSON.stringify(from)};`;
  });
  const returned = exported.map(({ local, name }) => `${name}: ${local}`).join(', ');
  return [
    `// ${shown}, instantiated on its first call (build/on-call-modules.ts)`,
    ...imports,
    'let onCallExports;',
    'function onCallLoad() {',
    `  onCallExports ??= (() => {\n${code}\n  return { ${returned} };\n  })();`,
    '  return onCallExports;',
    '}',
    ...exported.map(
      ({ name }) => `export function ${name}(...args) { return onCallLoad().${name}(...args); }`,
    ),
  ].join('\n');
}
