/**
 * A small runtime schema for JSON documents with the TypeScript type derived from it (`Infer`), used for
 * target profiles in the k6 bundle: every k6 VU instantiates the whole script, so a schema library's
 * hundreds of functions would cost memory in each VU. Objects, arrays and records check every member and
 * report every problem at once, each with its dotted path, what was expected and what was found; unknown
 * keys are refused (a typo in a profile must not be silently ignored). Pure: no k6 imports.
 */

export interface ShapeIssue {
  path: string;
  problem: string;
}

export class ShapeError extends Error {
  readonly issues: ShapeIssue[];
  constructor(issues: ShapeIssue[]) {
    super(issues.map((i) => `${i.path || '(root)'}: ${i.problem}`).join('; '));
    this.name = 'ShapeError';
    this.issues = issues;
  }
}

function fail(path: string, problem: string): never {
  throw new ShapeError([{ path, problem }]);
}

export interface Shape<T> {
  parse(value: unknown, path: string): T;
  /** True when a missing key is allowed. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

const found = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

export function string(check?: { pattern: RegExp; message: string }): Shape<string> {
  return {
    parse(value, path) {
      if (typeof value !== 'string') fail(path, `expected a string, found ${found(value)}`);
      if (check && !check.pattern.test(value)) fail(path, `${check.message}, found ${JSON.stringify(value)}`);
      return value;
    },
  };
}

export function integer(min: number, max: number): Shape<number> {
  return {
    parse(value, path) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        fail(path, `expected an integer from ${min} to ${max}, found ${found(value)}`);
      }
      return value;
    },
  };
}

/** One of a fixed list of strings. */
export function oneOf<const T extends string>(choices: readonly T[]): Shape<T> {
  return {
    parse(value, path) {
      if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
        fail(path, `expected one of ${choices.map((c) => `"${c}"`).join(', ')}, found ${found(value)}`);
      }
      return value as T;
    },
  };
}

/** Any JSON value (a template the service receives as it is). */
export function json(): Shape<unknown> {
  return { parse: (value) => value };
}

export function either<A, B>(a: Shape<A>, b: Shape<B>): Shape<A | B> {
  return {
    parse(value, path) {
      try {
        return a.parse(value, path);
      } catch {
        return b.parse(value, path);
      }
    },
  };
}

export interface OptionalShape<T> extends Shape<T | undefined> {
  readonly optional: true;
}

export function optional<T>(shape: Shape<T>): OptionalShape<T> {
  return {
    optional: true,
    parse: (value, path) => (value === undefined ? undefined : shape.parse(value, path)),
  };
}

/** Parses each member, collecting every member's problems. */
function collect<T>(entries: [string, () => T][]): [string, T][] {
  const issues: ShapeIssue[] = [];
  const out: [string, T][] = [];
  for (const [key, parse] of entries) {
    try {
      out.push([key, parse()]);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ShapeError(issues);
  return out;
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return {
    parse(value, path) {
      if (!Array.isArray(value)) fail(path, `expected an array, found ${found(value)}`);
      return collect(value.map((v, i) => [String(i), () => item.parse(v, `${path}[${i}]`)])).map(
        ([, v]) => v,
      );
    },
  };
}

function plainObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(path, `expected an object, found ${found(value)}`);
  return value as Record<string, unknown>;
}

export function record<T>(item: Shape<T>): Shape<Record<string, T>> {
  return {
    parse(value, path) {
      const input = plainObject(value, path);
      return Object.fromEntries(
        collect(Object.entries(input).map(([key, v]) => [key, () => item.parse(v, join(path, key))])),
      );
    },
  };
}

/** Keys whose shape is optional may be missing; the others are required. */
export type ObjectOf<S extends Record<string, Shape<unknown>>> = {
  [K in keyof S as S[K] extends OptionalShape<unknown> ? never : K]: Infer<S[K]>;
} & { [K in keyof S as S[K] extends OptionalShape<unknown> ? K : never]?: Infer<S[K]> };

export function object<S extends Record<string, Shape<unknown>>>(fields: S): Shape<ObjectOf<S>> {
  return {
    parse(value, path) {
      const input = plainObject(value, path);
      const known = Object.keys(fields);
      const unknown = Object.keys(input)
        .filter((key) => !Object.hasOwn(fields, key))
        .map((key) => ({
          path: join(path, key),
          problem: `unknown field (expected one of: ${known.join(', ')})`,
        }));
      const entries = Object.entries(fields).map(([key, shape]): [string, () => unknown] => [
        key,
        () => {
          if (!Object.hasOwn(input, key) && !shape.optional) fail(join(path, key), 'is required');
          return shape.parse(input[key], join(path, key));
        },
      ]);
      let parsed: [string, unknown][] = [];
      try {
        parsed = collect(entries);
      } catch (error) {
        if (!(error instanceof ShapeError)) throw error;
        throw new ShapeError([...unknown, ...error.issues]);
      }
      if (unknown.length > 0) throw new ShapeError(unknown);
      return Object.fromEntries(parsed.filter(([, v]) => v !== undefined)) as ObjectOf<S>;
    },
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
