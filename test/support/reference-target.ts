/**
 * One bundled reference service (dist/app/server.cjs) on a real Redis of its own, a client of that Redis
 * and a scratch report folder: what the suite's single-instance k6 runs point at. `stop` undoes all four.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type AppProcess, startApp } from './app-process.ts';
import { type RedisServer, startRedis } from './redis.ts';

export interface ReferenceTarget {
  redis: RedisServer;
  app: AppProcess;
  /** A client of the service's Redis, for what the test reads and writes there itself. */
  store: Redis;
  /** An empty folder for the run's reports. */
  reports: string;
  stop(): Promise<void>;
}

/** `env`: the service's settings over the defaults (the synthetic users' password, warnings only). */
export async function startReferenceTarget(
  reportPrefix: string,
  env: Record<string, string> = {},
): Promise<ReferenceTarget> {
  const redis = await startRedis();
  const app = await startApp({
    entry: 'dist/app/server.cjs',
    env: { REDIS_URL: redis.url, SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic', LOG_LEVEL: 'warn', ...env },
  });
  const store = new Redis(redis.url);
  const reports = mkdtempSync(join(tmpdir(), reportPrefix));
  return {
    redis,
    app,
    store,
    reports,
    async stop() {
      store.disconnect();
      await app.stop();
      await redis.stop();
      rmSync(reports, { recursive: true, force: true });
    },
  };
}
