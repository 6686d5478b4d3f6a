/**
 * The k6 modules a cloud-bound bundle imports, read from esbuild's metafile. A bundle that runs on
 * Grafana Cloud k6 load zones (cloud/cloud-plan.ts: `k6 cloud run` without `--local-execution`) may import
 * only what the load zones provide: k6's own modules and the official extensions (build/k6-modules.ts).
 * A community or private extension (k6/x/kubernetes, k6/x/zerodrop) links into bin/k6, so `make cloud`'s
 * dry run cannot see it; the cloud run would fail at its first line. Pure: a metafile in, problems out.
 */
import type { Metafile } from 'esbuild';

const isK6Module = (path: string) => path === 'k6' || path.startsWith('k6/');

/**
 * One line per k6 module a cloud-bound bundle (`dist/<name>.js`, as the metafile's outputs are keyed)
 * imports outside `allowed`, naming the bundle, the module and the import chain that brings it in.
 */
export function cloudImportProblems(
  metafile: Metafile,
  bundles: readonly string[],
  allowed: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const bundle of bundles) {
    const output = metafile.outputs[bundle];
    if (!output) {
      problems.push(`${bundle} runs on Grafana Cloud load zones but was not built`);
      continue;
    }
    const imported = output.imports.filter((i) => i.external && isK6Module(i.path)).map((i) => i.path);
    for (const module of [...new Set(imported)].filter((m) => !allowed.has(m)).sort()) {
      const chain = output.entryPoint ? importChain(metafile, output.entryPoint, module) : [];
      const through = chain.length > 0 ? ` (${chain.join(' → ')})` : '';
      problems.push(
        `${bundle} runs on Grafana Cloud load zones but imports ${module}${through}, which they do not provide`,
      );
    }
  }
  return problems;
}

/** The shortest chain of source files from `entry` to one that imports `module` (breadth first). */
function importChain(metafile: Metafile, entry: string, module: string): string[] {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  // Each input is queued once: at most as many steps as the metafile has inputs.
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const imports = metafile.inputs[next]?.imports ?? [];
    if (imports.some((i) => i.external && i.path === module)) {
      const chain: string[] = [];
      for (let at: string | null | undefined = next; at; at = parent.get(at)) chain.unshift(at);
      return chain;
    }
    for (const i of imports) {
      if (i.external || parent.has(i.path)) continue;
      parent.set(i.path, next);
      queue.push(i.path);
    }
  }
  return [];
}
