/**
 * Orders sent over the WebSocket, applied exactly once per correlation id. One script: SET
 * `${prefix}order:${cid}` NX EX 86400, and only if that set it, HINCRBY `${prefix}orders:applied` cid 1.
 * The validator's audit requires every count in `${prefix}orders:applied` to be 1.
 */
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.ts';
import type { AckMessage, OrderMessage } from './protocol.ts';

type OrderStatus = AckMessage['status'];

const ORDER_TTL_SECONDS = 86_400;

const applyOnce = new LuaScript(
  `-- KEYS: order marker, applied counts. ARGV: cid, order record, ttl seconds.
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  return 'applied'
end
return 'duplicate'`,
  2,
);

export class OrderBook {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #dedup: boolean;

  /** `dedup: false` is BAD_MODE=no-order-dedup: every resend is applied again and acked as applied. */
  constructor(redis: Redis, prefix: string, dedup: boolean) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#dedup = dedup;
  }

  async apply(order: OrderMessage, user: string): Promise<OrderStatus> {
    const marker = `${this.#prefix}order:${order.cid}`;
    const applied = `${this.#prefix}orders:applied`;
    const record = JSON.stringify({ user, item: order.item, qty: order.qty, at: Date.now() });
    if (!this.#dedup) {
      await this.#redis.set(marker, record, 'EX', ORDER_TTL_SECONDS);
      await this.#redis.hincrby(applied, order.cid, 1);
      return 'applied';
    }
    return (await applyOnce.run(this.#redis, [marker, applied], [order.cid, record, ORDER_TTL_SECONDS])) ===
      'applied'
      ? 'applied'
      : 'duplicate';
  }
}
