/**
 * The memory a run's users need, estimated before k6 builds a VU: refused when the machine cannot hold
 * it (HTTP_USERS=100000 would build ~4,000 VUs). Figures from bench/suite.ts with ~1.3× headroom: k6
 * itself, each VU (the whole bundle is evaluated per VU) and each user. Pure: no k6 imports.
 */

import { vusFor } from './packing.ts';
import { ConfigError } from './parse.ts';
import type { Config } from './registry.ts';

const mb = 1024 * 1024;
const baseBytes = 80 * mb;
const perVuBytes = 1.3 * mb;
const perUserBytes = 0.15 * mb;

export function memoryNeededBytes(config: Pick<Config, 'httpUsers' | 'wsUsers' | 'usersPerVu'>): number {
  const vus = vusFor(config.httpUsers, config.usersPerVu) + vusFor(config.wsUsers, config.usersPerVu) + 1;
  return baseBytes + vus * perVuBytes + (config.httpUsers + config.wsUsers) * perUserBytes;
}

/** Throws a ConfigError naming the larger user setting when `availableBytes` (0: unknown) is too little. */
export function checkMemory(
  config: Pick<Config, 'httpUsers' | 'wsUsers' | 'usersPerVu'>,
  availableBytes: number,
): void {
  const needed = memoryNeededBytes(config);
  if (availableBytes <= 0 || needed <= availableBytes) return;
  const gb = (bytes: number) => `${(bytes / 1024 / mb).toFixed(1)} GB`;
  throw new ConfigError(
    config.httpUsers >= config.wsUsers ? 'HTTP_USERS' : 'WS_USERS',
    `${config.httpUsers} HTTP + ${config.wsUsers} WebSocket users need about ${gb(needed)} of memory, this machine has ${gb(availableBytes)} available: lower HTTP_USERS/WS_USERS`,
  );
}
