// The shared "tick" feed.
//
// Publishing: every instance runs the same loop, but only the holder of the Redis lease `feed:leader`
// publishes. The publish itself is one Lua script (fenced by the lease token) that INCRs `feed:seq` and
// XADDs the event to the stream `feed:stream` under the entry id `<seq>-0`, so the sequence has no
// holes even when the lease changes hands, and a resume point maps straight to a stream id.
//
// Fan-out: each instance tails the stream with its own blocking XREAD and hands every entry to its
// local sockets. A socket that resumes (`handshake.auth.lastSeq`) is replayed from the stream with
// XRANGE; live entries that arrive meanwhile are buffered and de-duplicated by seq, so the client sees
// every seq after its resume point exactly once, in order.
import { randomUUID } from 'node:crypto';
import { defineScript } from 'redis';

export const STREAM_KEY = 'feed:stream';
export const SEQ_KEY = 'feed:seq';
export const LEADER_KEY = 'feed:leader';

export const feedScripts = {
  publishTick: defineScript({
    NUMBER_OF_KEYS: 3,
    SCRIPT: `
      if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      local seq = redis.call('INCR', KEYS[2])
      local data = '{"seq":' .. seq .. ',"ts":' .. ARGV[3] .. ',"publisher":' .. cjson.encode(ARGV[4]) .. '}'
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], seq .. '-0', 'data', data)
      return seq
    `,
    parseCommand(parser, { token, leaseMs, ts, publisher, maxLen }) {
      parser.pushKeys([LEADER_KEY, SEQ_KEY, STREAM_KEY]);
      parser.push(token, String(leaseMs), String(ts), publisher, String(maxLen));
    },
    transformReply: (reply) => reply,
  }),
  releaseLease: defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: `
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0
    `,
    parseCommand(parser, token) {
      parser.pushKey(LEADER_KEY);
      parser.push(token);
    },
    transformReply: (reply) => reply,
  }),
};

/**
 * @param {object} options
 * @param {import('redis').RedisClientType} options.redis client created with `scripts: feedScripts`
 * @param {string} options.podName
 * @param {number} options.intervalMs
 * @param {number} options.leaseMs
 * @param {number} options.historyLength
 */
export function createFeed({ redis, podName, intervalMs, leaseMs, historyLength }) {
  const token = `${podName}:${randomUUID()}`;
  /** socket → { lastSeq: number | null, buffer: object[] | null } */
  const subscribers = new Map();
  let leader = false;
  let stopped = false;
  let publishTimer;
  let publishing = Promise.resolve();
  let reader;
  let readerDone = Promise.resolve();

  function deliver(socket, state, event) {
    if (state.lastSeq !== null && event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    socket.emit('tick', event);
  }

  function dispatch(event) {
    for (const [socket, state] of subscribers) {
      if (state.buffer) state.buffer.push(event);
      else deliver(socket, state, event);
    }
  }

  async function publishOnce() {
    if (!leader) {
      leader = (await redis.set(LEADER_KEY, token, { NX: true, PX: leaseMs })) === 'OK';
      if (leader) console.log(`feed: ${podName} is the publisher`);
    }
    if (leader) {
      const seq = await redis.publishTick({
        token,
        leaseMs,
        ts: Date.now(),
        publisher: podName,
        maxLen: historyLength,
      });
      if (seq === null) {
        leader = false;
        console.log(`feed: ${podName} lost the publisher lease`);
      }
    }
  }

  function schedulePublish() {
    publishTimer = setTimeout(() => {
      publishing = publishOnce()
        .catch((err) => console.error('feed: publish failed:', err.message))
        .then(() => {
          if (!stopped) schedulePublish();
        });
    }, intervalMs);
  }

  async function readLoop() {
    const last = await redis.xRevRange(STREAM_KEY, '+', '-', { COUNT: 1 });
    let lastId = last[0]?.id ?? '0-0';
    while (!stopped) {
      try {
        const reply = await reader.xRead({ key: STREAM_KEY, id: lastId }, { BLOCK: 1000, COUNT: 500 });
        for (const { id, message } of reply?.[0]?.messages ?? []) {
          lastId = id;
          dispatch(JSON.parse(message.data));
        }
      } catch (err) {
        if (stopped) return;
        console.error('feed: XREAD failed:', err.message);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  return {
    async start() {
      reader = redis.duplicate();
      reader.on('error', (err) => console.error('feed reader redis error:', err.message));
      await reader.connect();
      readerDone = readLoop();
      schedulePublish();
    },

    /** Sends the client every event after `lastSeq` (when given), then the live feed. */
    async subscribe(socket, lastSeq) {
      const state = { lastSeq: null, buffer: [] };
      subscribers.set(socket, state);
      socket.once('disconnect', () => subscribers.delete(socket));
      if (Number.isSafeInteger(lastSeq) && lastSeq >= 0) {
        state.lastSeq = lastSeq;
        const entries = await redis.xRange(STREAM_KEY, `${lastSeq + 1}-0`, '+');
        for (const { message } of entries) deliver(socket, state, JSON.parse(message.data));
      }
      const buffered = state.buffer;
      state.buffer = null;
      for (const event of buffered) deliver(socket, state, event);
    },

    /** Stops publishing (handing the lease over at once) and tailing the stream. */
    async stop() {
      stopped = true;
      clearTimeout(publishTimer);
      await publishing;
      if (leader) await redis.releaseLease(token).catch(() => {});
      leader = false;
      reader?.destroy();
      await readerDone.catch(() => {});
    },
  };
}
