/**
 * Credentials never leave a run: the userinfo (`user:password@`) of every URL in a text becomes `***@`,
 * in what k6 prints, in every report file and in error lines. Pure: no k6 imports.
 */
export function redact(text: string): string {
  // Up to the last `@` before the host: a password may hold `@`, never an unencoded `/`.
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s'"]*@/gi, '$1***@');
}
