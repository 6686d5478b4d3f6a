/**
 * Orders placed over the socket. The client's `ref` is the idempotency key: the first placement
 * claims `orders:seen:<ref>` (SET NX with a TTL) and stores the order in the hash `orders:<username>`
 * (field = ref, value = JSON) in one Lua script, so a claim never exists without its order (an instance
 * stopping between the two would leave a resend acknowledged as "replayed" and the order lost); a
 * placement whose ref was already claimed is acknowledged as "replayed".
 */
const PLACE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 1
`;

export function createOrders({ redis, config }) {
  const store =
    config.fault === 'double-apply' ? storeClaimingInProcess(redis) : storeAtomically(redis, config);

  return {
    async place(username, { ref, sku, qty }) {
      const order = { ref, sku, qty, at: Date.now(), node: config.podName };
      return (await store(username, order)) ? 'ok' : 'replayed';
    },
  };
}

function storeAtomically(redis, config) {
  return async (username, order) => {
    const applied = await redis.eval(PLACE, {
      keys: [`orders:seen:${order.ref}`, `orders:${username}`],
      arguments: [username, String(config.orderTtlSeconds), order.ref, JSON.stringify(order)],
    });
    return applied === 1;
  };
}

// `double-apply`: the seen-set lives in this process only, so another instance (or this one after a
// restart) applies a resent order again.
function storeClaimingInProcess(redis) {
  const seen = new Set();
  return async (username, order) => {
    if (seen.has(order.ref)) return false;
    seen.add(order.ref);
    await redis.hSet(`orders:${username}`, order.ref, JSON.stringify(order));
    return true;
  };
}
