/** Schema of build/versions.json: every version the k6 build depends on, in one place. */
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
