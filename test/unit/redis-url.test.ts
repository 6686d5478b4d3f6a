/** The run-control client's Redis URL: a small connection pool unless the URL sets its own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runControlUrl } from '../../validator/settings/redis-url.ts';

describe('runControlUrl', () => {
  it('adds pool_size=1 and a 30 s pool wait to a plain URL', () => {
    assert.equal(
      runControlUrl('redis://127.0.0.1:6379'),
      'redis://127.0.0.1:6379?pool_size=1&pool_timeout=30s',
    );
    assert.equal(
      runControlUrl('rediss://u:p@redis.example:6380/1'),
      'rediss://u:p@redis.example:6380/1?pool_size=1&pool_timeout=30s',
    );
  });

  it('appends to an existing query', () => {
    assert.equal(
      runControlUrl('redis://127.0.0.1:6379/0?dial_timeout=3s'),
      'redis://127.0.0.1:6379/0?dial_timeout=3s&pool_size=1&pool_timeout=30s',
    );
  });

  it('keeps a pool_size or pool_timeout the URL sets', () => {
    assert.equal(runControlUrl('redis://h:6379?pool_size=8'), 'redis://h:6379?pool_size=8&pool_timeout=30s');
    assert.equal(
      runControlUrl('redis://h:6379?db=1&pool_size=8&pool_timeout=2s'),
      'redis://h:6379?db=1&pool_size=8&pool_timeout=2s',
    );
    assert.equal(
      runControlUrl('redis://h:6379?pool_timeout=5s'),
      'redis://h:6379?pool_timeout=5s&pool_size=1',
    );
  });
});
