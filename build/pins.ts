/**
 * Schema of build/versions.json: every version the k6 build and the developer tools depend on, in one
 * place. The k6 build's cache key hashes `readPins` output only, so a tool pin never rebuilds k6.
 */
import { readFileSync } from 'node:fs';
import * as v from 'valibot';

const Version = v.pipe(v.string(), v.regex(/^v\d+\.\d+\.\d+$/));

export const PinsSchema = v.object({
  /** Minimum Go version (major.minor). */
  go: v.pipe(v.string(), v.regex(/^\d+\.\d+$/)),
  k6: Version,
  xk6: Version,
  extensions: v.array(
    v.object({
      module: v.string(),
      /** A version served by the Go module proxy … */
      version: v.optional(Version),
      /** … or a folder of this repository. */
      path: v.optional(v.string()),
      /** The JS import path the extension registers. */
      import: v.pipe(v.string(), v.startsWith('k6/x/')),
    }),
  ),
});

export type Pins = v.InferOutput<typeof PinsSchema>;

export function readPins(file: string): Pins {
  return v.parse(PinsSchema, JSON.parse(readFileSync(file, 'utf8')));
}

const ToolSchema = v.object({
  /** Module served by the Go module proxy … */
  module: v.string(),
  version: Version,
  /** … and the main package inside it that is built. */
  package: v.string(),
});

/** `tools`: binary name → what to build it from, e.g. `actionlint` from github.com/rhysd/actionlint. */
export const ToolPinsSchema = v.object({
  tools: v.record(v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/)), ToolSchema),
});

export type ToolPin = v.InferOutput<typeof ToolSchema>;

export function readToolPins(file: string): Record<string, ToolPin> {
  return v.parse(ToolPinsSchema, JSON.parse(readFileSync(file, 'utf8'))).tools;
}
