/** Types for xk6-redis v0.4.x (`k6/x/redis`), which @types/k6 lacks. Every command returns a Promise. */
declare module 'k6/x/redis' {
  type RedisArg = string | number | boolean;

  export interface ClientOptions {
    socket: {
      host: string;
      port: number;
      tls?: object;
      dialTimeout?: number;
      readTimeout?: number;
      writeTimeout?: number;
    };
    username?: string;
    password?: string;
    database?: number;
  }

  export class Client {
    /** `redis[s]://[[user][:pass]@]host[:port][/db]` or options. Connects lazily, on the first command. */
    constructor(urlOrOptions: string | ClientOptions);
    set(key: string, value: RedisArg, expirationSeconds: number): Promise<string>;
    /** Rejects with `redis: nil` when the key does not exist. */
    get(key: string): Promise<string>;
    del(...keys: string[]): Promise<number>;
    exists(...keys: string[]): Promise<number>;
    expire(key: string, seconds: number): Promise<boolean>;
    ttl(key: string): Promise<number>;
    incr(key: string): Promise<number>;
    hset(key: string, field: string, value: RedisArg): Promise<number>;
    hsetnx(key: string, field: string, value: string): Promise<boolean>;
    /** Rejects with `redis: nil` when the field does not exist. */
    hget(key: string, field: string): Promise<string>;
    hgetall(key: string): Promise<Record<string, string>>;
    hincrby(key: string, field: string, increment: number): Promise<number>;
    hlen(key: string): Promise<number>;
    sadd(key: string, ...members: RedisArg[]): Promise<number>;
    smembers(key: string): Promise<string[]>;
    sendCommand(command: string, ...args: RedisArg[]): Promise<unknown>;
  }

  const redis: { Client: typeof Client };
  export default redis;
}
