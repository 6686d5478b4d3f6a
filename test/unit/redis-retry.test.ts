/** Which Redis failures run control retries through (a restart), and how long it waits between tries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransient, retryDelayMs } from '../../validator/run/redis-retry.ts';

describe('redis retry', () => {
  it('retries connection failures, not command failures', () => {
    for (const text of [
      'dial tcp 127.0.0.1:6379: connect: connection refused',
      'read tcp 127.0.0.1:5->127.0.0.1:6379: read: connection reset by peer',
      'EOF',
      'write tcp: broken pipe',
      'LOADING Redis is loading the dataset in memory',
    ])
      assert.equal(isTransient(new Error(text)), true, text);
    for (const text of ['redis: nil', 'WRONGTYPE Operation against a key holding the wrong kind of value'])
      assert.equal(isTransient(text), false, text);
  });

  it('backs off from 50 ms to at most 1 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(retryDelayMs), [50, 100, 200, 400, 800, 1000, 1000]);
  });
});
