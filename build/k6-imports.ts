/**
 * One import per k6 module export in each bundle. esbuild keeps each bundled file's own import statement
 * of an external module, and k6 instantiates every imported binding in every VU (about 0.8 KB each,
 * measured: 30 imports of one export cost 25 KB per VU). With this plugin every `k6…` import of the
 * bundled files resolves to one module per k6 module that imports, once, the exports any file of the
 * build uses; esbuild then links every use to those bindings. The exports used are read from a first,
 * unminified build of the same entries. A module imported as a namespace somewhere stays as it is.
 */
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { esmImports } from './esm-imports.ts';

/** The namespace of the one-import modules (an import chain names them `k6-once:k6/http`). */
const k6OnceNamespace = 'k6-once';
const isK6 = (path: string) => path === 'k6' || path.startsWith('k6/');

/** The plugin for a build of `options` (its entries and other plugins), after a first pass over them. */
export async function k6ImportsOnce(options: BuildOptions): Promise<Plugin> {
  const first = await build({
    ...options,
    bundle: true,
    minify: false,
    write: false,
    metafile: false,
    sourcemap: false,
  });
  const used = new Map<string, { hasDefault: boolean; names: Set<string> }>();
  const namespaced = new Set<string>();
  for (const file of first.outputFiles ?? []) {
    for (const i of esmImports(file.text)) {
      if (!isK6(i.from)) continue;
      if (i.namespace) namespaced.add(i.from);
      const entry = used.get(i.from) ?? { hasDefault: false, names: new Set<string>() };
      entry.hasDefault ||= i.defaultName !== null;
      for (const { name } of i.named) entry.names.add(name);
      used.set(i.from, entry);
    }
  }
  return {
    name: 'zerodrop-k6-imports-once',
    setup(b) {
      b.onResolve({ filter: /^k6(\/|$)/ }, (args) =>
        args.namespace === k6OnceNamespace || namespaced.has(args.path) || !used.has(args.path)
          ? { path: args.path, external: true }
          : { path: args.path, namespace: k6OnceNamespace },
      );
      b.onLoad({ filter: /.*/, namespace: k6OnceNamespace }, (args) => {
        const { hasDefault, names } = used.get(args.path) ?? { hasDefault: false, names: new Set() };
        const named = [...names].sort();
        const clause = [hasDefault ? 'k6Default' : null, named.length > 0 ? `{ ${named.join(', ')} }` : null]
          .filter(Boolean)
          .join(', ');
        return {
          contents: [
            `import ${clause} from ${JSON.stringify(args.path)};`,
            ...(hasDefault ? ['export default k6Default;'] : []),
            ...(named.length > 0 ? [`export { ${named.join(', ')} };`] : []),
          ].join('\n'),
          loader: 'js',
        };
      });
    },
  };
}
