/**
 * The import statements of an esbuild ESM output (unminified: one `import … from "…";` per line), read
 * binding by binding. Pure: text in, imports out.
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
    const named = (braces?.[1] ?? '')
      .split(',')
      .map((binding) => binding.trim())
      .filter(Boolean)
      .map((binding) => {
        const [name = '', local = name] = binding.split(/\s+as\s+/);
        return { name, local };
      });
    return { from, defaultName, namespace, named };
  });
}
