// Orders sent over the socket: `socket.emit("order", {id, item, qty}, ack)`.
//
// The client's `id` is an idempotency key. `order:<id>` is claimed with SET NX (kept ORDER_KEY_TTL_S)
// and, in the same Lua script, the order is appended to the user's list `orders:<username>`, so an
// order is stored exactly once across all instances however often it is resent.
import { defineScript } from 'redis';

export const orderScripts = {
  applyOrder: defineScript({
    NUMBER_OF_KEYS: 2,
    SCRIPT: `
      if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
      redis.call('RPUSH', KEYS[2], ARGV[1])
      return 1
    `,
    parseCommand(parser, { id, username, record, ttlSeconds }) {
      parser.pushKeys([`order:${id}`, `orders:${username}`]);
      parser.push(record, String(ttlSeconds));
    },
    transformReply: (reply) => reply === 1,
  }),
};

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The error message for an invalid order, or null. */
export function validateOrder(order) {
  if (order === null || typeof order !== 'object') return 'order must be an object';
  if (typeof order.id !== 'string' || !ID.test(order.id)) return 'id must match [A-Za-z0-9._:-]{1,128}';
  if (typeof order.item !== 'string' || order.item.length === 0 || order.item.length > 200) {
    return 'item must be a non-empty string';
  }
  if (!Number.isSafeInteger(order.qty) || order.qty < 1) return 'qty must be a positive integer';
  return null;
}

/**
 * @returns {(username: string, order: {id: string, item: string, qty: number}) => Promise<boolean>}
 *   true when the order was applied now, false when it had been applied before
 */
export function createOrderStore({ redis, podName, ttlSeconds, dedupeInMemory = false }) {
  const toRecord = (username, { id, item, qty }) =>
    JSON.stringify({ id, username, item, qty, server: podName, ts: Date.now() });

  if (dedupeInMemory) {
    const seen = new Set();
    return async (username, order) => {
      if (seen.has(order.id)) return false;
      seen.add(order.id);
      await redis.rPush(`orders:${username}`, toRecord(username, order));
      return true;
    };
  }

  return (username, order) =>
    redis.applyOrder({ id: order.id, username, record: toRecord(username, order), ttlSeconds });
}
