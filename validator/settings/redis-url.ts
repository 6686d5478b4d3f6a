/**
 * The Redis URL a run-control client connects with. go-redis opens up to 10 connections per core for each
 * client, each with 64 KiB of buffers, and every VU has its own client: one connection carries a VU's
 * calls (short, and awaited by their users; go-redis queues them for a free connection up to its pool
 * timeout). A URL that sets pool_size keeps its own.
 * Pure: no k6 imports.
 */
const runControlPoolSize = 1;

export function runControlUrl(url: string): string {
  if (/[?&]pool_size=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}pool_size=${runControlPoolSize}`;
}
