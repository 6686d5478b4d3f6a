/**
 * Response headers by name. k6 hands a response's headers over under Go's canonical names (`X-Pod`,
 * `Set-Cookie`: net/http canonicalises every header it parses), so one lookup of the canonical form finds
 * a header however a profile spells it — no walk over every header to learn that one is absent, as
 * `Set-Cookie` is from most responses. Pure: no k6 imports.
 */

const canonicalNames = new Map<string, string>();

/** Go's canonical form of a header name (textproto.CanonicalMIMEHeaderKey): `x-pod` → `X-Pod`. */
export function canonicalHeaderName(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)
      ? name
          .toLowerCase()
          .replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
      : name;
    canonicalNames.set(name, canonical);
  }
  return canonical;
}

/** The value of a response header, named in any case; undefined when the response has none. */
export function responseHeader(headers: Record<string, string>, name: string): string | undefined {
  return headers[canonicalHeaderName(name)];
}
