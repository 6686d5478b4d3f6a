-- Apply an order once across all instances: the first SET NX of its id wins and records the order.
-- KEYS: 1 orders:dedupe:<orderId>, 2 orders:applied:<username>
-- ARGV: 1 username, 2 dedupe TTL seconds, 3 orderId, 4 order (JSON)
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
  return 1
end
return 0
