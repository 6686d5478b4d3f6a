import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export const KEYS = {
  epoch: 'feed:epoch',
  offset: 'feed:offset',
  stream: 'feed:events',
  publisher: 'feed:publisher',
};

// Publish one event only while we still hold the lease: renew it, take the next offset, append.
// The stream entry id is `<offset>-0`, so a replay is an XRANGE starting at `<offset + 1>-0`.
// The epoch is (re)created with the first event if the data was lost.
const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[4], ARGV[6], 'NX')
local offset = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], offset .. '-0',
  'offset', offset, 'at', ARGV[4], 'price', ARGV[5])
return offset
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const REPLAY_PAGE = 1000;

function toEvent(entry) {
  return {
    offset: Number(entry.message.offset),
    at: Number(entry.message.at),
    price: Number(entry.message.price),
  };
}

/**
 * The shared feed: one publisher across all instances (a lease in Redis), events in a bounded
 * Redis Stream, and on every instance a reader that fans new entries out to its subscribers.
 *
 * A subscriber joins first (live events are buffered from then on), then catches up from the
 * stream, then the buffer is flushed: everything after its resume point arrives once, in order.
 *
 * Emits 'reset' when the epoch changed under a running instance (the Redis data was lost).
 */
export class Feed extends EventEmitter {
  constructor({ redis, config }) {
    super();
    this.redis = redis;
    this.reader = redis.duplicate();
    this.reader.on('error', (err) => console.error('feed reader redis error:', err.message));
    this.config = config;
    this.token = `${config.podName}:${randomUUID()}`;
    this.subscribers = new Set();
    this.lastOffset = 0;
    this.publishing = false;
    this.stopped = false;
    this.price = 100;
  }

  async start() {
    await this.reader.connect();
    this.knownEpoch = await this.epoch();
    const [last] = await this.redis.xRevRange(KEYS.stream, '+', '-', { COUNT: 1 });
    if (last) {
      this.lastOffset = toEvent(last).offset;
      this.price = toEvent(last).price;
    }
    this.readLoop(last ? last.id : '0-0');
    this.schedulePublish(0);
  }

  schedulePublish(delayMs) {
    this.publishTimer = setTimeout(() => {
      this.inFlight = this.publishTick().then(() => {
        if (this.publishTimer) this.schedulePublish(this.config.feedIntervalMs);
      });
    }, delayMs);
  }

  /** The feed epoch: created once (SET NX) by the first instance, kept for the life of the data. */
  async epoch() {
    await this.redis.set(KEYS.epoch, randomUUID(), { condition: 'NX' });
    return this.redis.get(KEYS.epoch);
  }

  async publishTick() {
    try {
      if (!this.publishing) {
        const acquired = await this.redis.set(KEYS.publisher, this.token, {
          condition: 'NX',
          expiration: { type: 'PX', value: this.config.feedLeaseMs },
        });
        if (acquired === 'OK') {
          this.publishing = true;
          console.log(`${this.config.podName} is now the feed publisher`);
        }
      }
      if (this.publishing) {
        this.price = Math.max(1, Math.round((this.price + (Math.random() - 0.5)) * 100) / 100);
        const offset = await this.redis.eval(PUBLISH, {
          keys: [KEYS.publisher, KEYS.offset, KEYS.stream, KEYS.epoch],
          arguments: [
            this.token,
            String(this.config.feedLeaseMs),
            String(this.config.feedMaxLen),
            String(Date.now()),
            String(this.price),
            randomUUID(),
          ],
        });
        if (offset === null) {
          this.publishing = false;
          console.log(`${this.config.podName} lost the feed publisher lease`);
        }
      }
    } catch (err) {
      console.error('feed publish failed:', err.message);
    }
  }

  /** Stop publishing and hand the lease over at once (another instance takes it on its next tick). */
  async stopPublishing() {
    clearTimeout(this.publishTimer);
    this.publishTimer = null;
    await this.inFlight;
    if (!this.publishing) return;
    this.publishing = false;
    try {
      await this.redis.eval(RELEASE, { keys: [KEYS.publisher], arguments: [this.token] });
    } catch (err) {
      console.error('feed lease release failed:', err.message);
    }
  }

  async readLoop(fromId) {
    let id = fromId;
    while (!this.stopped) {
      try {
        const reply = await this.reader.xRead({ key: KEYS.stream, id }, { BLOCK: 1000, COUNT: 500 });
        if (!reply) {
          // Nothing new for a second: make sure the history was not reset behind our back (entries
          // with ids below `id` would never show up here).
          const epoch = await this.epoch();
          if (epoch !== this.knownEpoch) {
            console.log(`feed epoch changed (${this.knownEpoch} -> ${epoch}): history was reset`);
            this.knownEpoch = epoch;
            id = '0-0';
            this.lastOffset = 0;
            this.emit('reset');
          }
          continue;
        }
        for (const entry of reply?.[0]?.messages ?? []) {
          id = entry.id;
          const event = toEvent(entry);
          this.lastOffset = event.offset;
          for (const sub of this.subscribers) {
            if (sub.pending) sub.pending.push(event);
            else deliver(sub, event);
          }
        }
      } catch (err) {
        if (this.stopped) break;
        console.error('feed read failed:', err.message);
        await sleep(500);
      }
    }
  }

  /** Starts buffering live events for `send`; call catchUp() next. */
  join(send) {
    const sub = { send, last: this.lastOffset, pending: [] };
    this.subscribers.add(sub);
    return sub;
  }

  leave(sub) {
    this.subscribers.delete(sub);
  }

  /**
   * Replays every stored event after `fromOffset` (null: nothing, live only), then the events
   * buffered meanwhile, then switches the subscriber to live delivery.
   */
  async catchUp(sub, fromOffset) {
    if (fromOffset !== null) {
      sub.last = fromOffset;
      let start = `${fromOffset + 1}-0`;
      for (;;) {
        const entries = await this.redis.xRange(KEYS.stream, start, '+', { COUNT: REPLAY_PAGE });
        for (const entry of entries) deliver(sub, toEvent(entry));
        if (entries.length < REPLAY_PAGE || !this.subscribers.has(sub)) break;
        start = `${sub.last + 1}-0`;
      }
    }
    for (const event of sub.pending) deliver(sub, event);
    sub.pending = null;
  }

  async stop() {
    this.stopped = true;
    await this.stopPublishing();
    this.reader.destroy();
  }
}

function deliver(sub, event) {
  if (event.offset <= sub.last) return;
  sub.last = event.offset;
  sub.send(event);
}
