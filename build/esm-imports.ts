/**
 * The import statements of an esbuild ESM output (unminified: one `import … from "…";` per line), read
 * binding by binding, and the binding lists of its statements. Pure: text in, imports out.
 */

export interface EsmImport {
  from: string;
  /** The local name of the default import, if any. */
  defaultName: string | null;
  /** The local name of a namespace import (`* as x`), if any. */
  namespace: string | null;
  /** Named imports: the module's export name and the local name. */
  named: { name: string; local: string }[];
}

const statement = /^import (.+?) from "([^"]+)";$/gm;

export function esmImports(text: string): EsmImport[] {
  return [...text.matchAll(statement)].map(([, clause = '', from = '']) => {
    const braces = /\{([^}]*)\}/.exec(clause);
    const rest = clause.replace(/\{[^}]*\}/, '').trim();
    const namespace = /\* as ([\w$]+)/.exec(rest)?.[1] ?? null;
    const defaultName = /^([\w$]+)\s*(,|$)/.exec(rest)?.[1] ?? null;
    const named = bindingList(braces?.[1] ?? '').map(([name, local]) => ({ name, local }));
    return { from, defaultName, namespace, named };
  });
}

/** The text without its import statements. */
export function withoutImports(text: string): string {
  return text.replace(statement, '');
}

/**
 * The bindings between the braces of an import or export statement (`a, b as c`), each as its two
 * names (`[a, a]`, `[b, c]`): an import's export name and local name, an export's local name and export name.
 */
export function bindingList(list: string): [string, string][] {
  return list
    .split(',')
    .map((binding) => binding.trim())
    .filter(Boolean)
    .map((binding) => {
      const [left = '', right = left] = binding.split(/\s+as\s+/);
      return [left, right];
    });
}
