/** Parses k6-style durations ("500ms", "20s", "2m", "1h", "1m30s") into milliseconds; null when invalid. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    const value = Number(match[1]);
    total += value * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += match[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? Math.round(total) : null;
}

/** Formats milliseconds as a k6 duration string ("95s"). */
export function formatSeconds(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}
