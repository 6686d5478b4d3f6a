/**
 * A Lua script run by SHA (EVALSHA), loaded with EVAL the first time a server answers NOSCRIPT.
 * Each script is one atomic step on the Redis server.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  readonly #numberOfKeys: number;

  constructor(source: string, numberOfKeys: number) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
    this.#numberOfKeys = numberOfKeys;
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.#numberOfKeys) {
      throw new Error(`script expects ${this.#numberOfKeys} keys, got ${keys.length}`);
    }
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
