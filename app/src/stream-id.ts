/** Redis stream entry ids (`<ms>-<seq>`, each part an unsigned 64-bit integer): validation and order. */
const MAX_PART = 2n ** 64n - 1n;

/** Parses a stream id, or returns null when it is not one Redis would accept. */
export function parseStreamId(text: string): readonly [bigint, bigint] | null {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(text);
  if (!match) return null;
  const ms = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  return ms <= MAX_PART && seq <= MAX_PART ? [ms, seq] : null;
}

/** True when stream id `a` comes strictly after `b`. Both must be valid ids. */
export function isAfter(a: string, b: string): boolean {
  const [aMs, aSeq] = parseStreamId(a) ?? [0n, 0n];
  const [bMs, bSeq] = parseStreamId(b) ?? [0n, 0n];
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}
