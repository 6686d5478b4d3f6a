/**
 * A small runtime schema for JSON documents with the TypeScript type derived from it (`Infer`), used for
 * target profiles in the k6 bundle: every k6 VU instantiates the whole script, so a schema library's
 * hundreds of functions would cost memory in each VU. Errors name the dotted path; unknown keys
 * are refused (a typo in a profile must not be silently ignored). Pure: no k6 imports.
 */

export class ShapeError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path || '(root)'}: ${problem}`);
    this.name = 'ShapeError';
  }
}

export interface Shape<T> {
  parse(value: unknown, path: string): T;
  /** True when a missing key is allowed. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

const describe = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

export function string(check?: { pattern: RegExp; message: string }): Shape<string> {
  return {
    parse(value, path) {
      if (typeof value !== 'string') throw new ShapeError(path, `expected a string, got ${describe(value)}`);
      if (check && !check.pattern.test(value)) throw new ShapeError(path, check.message);
      return value;
    },
  };
}

export function integer(min: number, max: number): Shape<number> {
  return {
    parse(value, path) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new ShapeError(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      }
      return value;
    },
  };
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

export function array<T>(item: Shape<T>): Shape<T[]> {
  return {
    parse(value, path) {
      if (!Array.isArray(value)) throw new ShapeError(path, `expected an array, got ${describe(value)}`);
      return value.map((v, i) => item.parse(v, `${path}[${i}]`));
    },
  };
}

export function record<T>(item: Shape<T>): Shape<Record<string, T>> {
  return {
    parse(value, path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ShapeError(path, `expected an object, got ${describe(value)}`);
      }
      const out: Record<string, T> = {};
      for (const [key, v] of Object.entries(value)) out[key] = item.parse(v, join(path, key));
      return out;
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
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ShapeError(path, `expected an object, got ${describe(value)}`);
      }
      const input = value as Record<string, unknown>;
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(fields, key)) throw new ShapeError(join(path, key), 'unknown field');
      }
      const out: Record<string, unknown> = {};
      for (const [key, shape] of Object.entries(fields)) {
        if (!Object.hasOwn(input, key) && !shape.optional)
          throw new ShapeError(join(path, key), 'is required');
        const parsed = shape.parse(input[key], join(path, key));
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
