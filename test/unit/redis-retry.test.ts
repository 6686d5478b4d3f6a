/** Which Redis failures run control retries through (a restart), and how long it waits between tries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransient, retryDelayMs, retrying } from '../../validator/run/redis-retry.ts';

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

  describe('retrying', () => {
    /** A client whose `get` fails with each of `failures` in turn, then answers; it records its calls. */
    class Flaky {
      readonly prefix = 'v:';
      readonly calls: unknown[][] = [];
      constructor(private readonly failures: unknown[]) {}
      get(key: string): Promise<string> {
        this.calls.push([key]);
        const failure = this.failures.shift();
        return failure === undefined ? Promise.resolve(`${this.prefix}${key}`) : Promise.reject(failure);
      }
      set(): Promise<string> {
        throw new Error('WRONGTYPE thrown, not rejected');
      }
    }
    function flaky(failures: unknown[]) {
      const client = new Flaky(failures);
      return { client, calls: client.calls };
    }
    const pauses: number[] = [];
    const pause = (ms: number) => {
      pauses.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, 1));
    };

    it('calls the command on the client with its arguments, once when it succeeds', async () => {
      const { client, calls } = flaky([]);
      const retried = retrying(client, ['get'], pause);
      assert.equal(await retried.get('k'), 'v:k');
      assert.deepEqual(calls, [['k']]);
      assert.deepEqual(Object.keys(retried), ['get']);
    });

    it('retries connection failures with backoff until the command succeeds', async () => {
      pauses.length = 0;
      const { client, calls } = flaky([new Error('EOF'), new Error('dial tcp: connection refused')]);
      assert.equal(await retrying(client, ['get'], pause).get('k'), 'v:k');
      assert.equal(calls.length, 3);
      assert.deepEqual(pauses, [50, 100]);
    });

    it('hands a command failure to the caller at once', async () => {
      const { client, calls } = flaky([new Error('WRONGTYPE Operation against a key')]);
      await assert.rejects(retrying(client, ['get'], pause).get('k'), /WRONGTYPE/);
      assert.equal(calls.length, 1);
    });

    it('gives up on connection failures once the budget is spent', async () => {
      const { client, calls } = flaky(Array.from({ length: 1000 }, () => new Error('EOF')));
      await assert.rejects(retrying(client, ['get'], pause, 20).get('k'), /EOF/);
      assert.ok(calls.length > 1 && calls.length < 1000, `${calls.length} calls`);
    });

    it('rejects where a command throws, and refuses a command the client lacks', async () => {
      const { client } = flaky([]);
      await assert.rejects(retrying(client, ['set'], pause).set(), /thrown, not rejected/);
      assert.throws(() => retrying(client, ['prefix'], pause), /no command 'prefix'/);
    });
  });
});
