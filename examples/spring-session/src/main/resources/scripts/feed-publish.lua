-- Publish one feed event, only while holding the publisher lock (the lock value is this instance's token).
-- Renews the lock lease, takes the next sequence number and appends the event under stream id <sequence>-0,
-- all in one step, so the stream never has a gap or a second writer.
-- KEYS: 1 lock, 2 sequence counter, 3 stream
-- ARGV: 1 token, 2 lease ms, 3 timestamp (epoch ms), 4 payload (JSON), 5 stream MAXLEN (approximate)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local sequence = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], sequence .. '-0',
  'sequence', sequence, 'timestamp', ARGV[3], 'payload', ARGV[4])
return sequence
