/**
 * The Redis URL a run-control client connects with. go-redis opens up to 10 connections per core for each
 * client, each with 64 KiB of buffers, and every VU has its own client: one connection carries a VU's
 * calls (short, and awaited by their users; go-redis queues them for a free connection up to its pool
 * timeout). That wait is 30 s, not go-redis's default (read timeout + 1 s = 4 s): on a 2-core machine at
 * load 20–35 a VU's 25 users queued longer than that for their one connection, the retry budget ran out
 * too, and the VU's users died with `redis: connection pool timeout`. A URL that sets pool_size or
 * pool_timeout keeps its own.
 * Pure: no k6 imports.
 */
const runControlPool = { pool_size: '1', pool_timeout: '30s' };

export function runControlUrl(url: string): string {
  const added = Object.entries(runControlPool)
    .filter(([name]) => !new RegExp(`[?&]${name}=`).test(url))
    .map(([name, value]) => `${name}=${value}`);
  if (added.length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${added.join('&')}`;
}
