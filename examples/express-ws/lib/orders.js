/**
 * Orders placed over the socket. The client's `ref` is the idempotency key: the first placement
 * claims `orders:seen:<ref>` (SET NX with a TTL) and stores the order in the hash `orders:<username>`
 * (field = ref, value = JSON); a placement whose ref was already claimed is acknowledged as "replayed".
 */
export function createOrders({ redis, config }) {
  const claim = config.fault === 'double-apply' ? claimInProcess() : claimInRedis(redis, config);

  return {
    async place(username, { ref, sku, qty }) {
      if (!(await claim(ref, username))) return 'replayed';
      const order = { ref, sku, qty, at: Date.now(), node: config.podName };
      try {
        await redis.hSet(`orders:${username}`, ref, JSON.stringify(order));
      } catch (err) {
        await redis.del(`orders:seen:${ref}`).catch(() => {});
        throw err;
      }
      return 'ok';
    },
  };
}

function claimInRedis(redis, config) {
  return async (ref, username) => {
    const reply = await redis.set(`orders:seen:${ref}`, username, {
      condition: 'NX',
      expiration: { type: 'EX', value: config.orderTtlSeconds },
    });
    return reply === 'OK';
  };
}

// `double-apply`: the seen-set lives in this process only, so another instance (or this one after a
// restart) applies a resent order again.
function claimInProcess() {
  const seen = new Set();
  return async (ref) => {
    if (seen.has(ref)) return false;
    seen.add(ref);
    return true;
  };
}
