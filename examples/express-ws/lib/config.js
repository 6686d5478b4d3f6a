import os from 'node:os';

export const FAULTS = [
  'memory-sessions',
  'no-replay',
  'abrupt-exit',
  'double-apply',
  'logout-keeps-session',
  'readiness-stays-ready',
];

function int(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function loadConfig() {
  const fault = process.env.FAULT || null;
  if (fault && !FAULTS.includes(fault)) {
    throw new Error(`unknown FAULT "${fault}" (one of ${FAULTS.join(', ')})`);
  }
  return {
    port: int('PORT', 3000),
    host: process.env.HOST || '0.0.0.0',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    podName: process.env.POD_NAME || os.hostname(),
    userPassword: process.env.USER_PASSWORD || 'password',
    sessionSecret: process.env.SESSION_SECRET || 'keyboard cat',
    sessionMaxAgeMs: int('SESSION_MAX_AGE_MS', 30 * 60 * 1000),
    drainMs: int('DRAIN_MS', 2000),
    feedIntervalMs: int('FEED_INTERVAL_MS', 200),
    feedMaxLen: int('FEED_MAXLEN', 10000),
    feedLeaseMs: int('FEED_LEASE_MS', 3000),
    orderTtlSeconds: int('ORDER_TTL_SECONDS', 24 * 60 * 60),
    fault,
  };
}
