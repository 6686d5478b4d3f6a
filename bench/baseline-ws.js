// A baseline WebSocket user for bench/suite.ts (minimal-mix.js, minimal-packed.js): reads the feed and
// measures each message's latency (receive time − its publish time `ts`, the way zerodrop's feed
// latency is measured); sends an order every ORDER_INTERVAL_MS (zerodrop's ORDER_INTERVAL default) and
// matches each ack to its order; and when the service closes the socket (the bench's rolling restart)
// reconnects after 100 ms, resuming after the last feed message (`?lastId=`), as the reference service's
// clients do. So the baselines do the protocol work zerodrop does, replays included, without its
// tracking. Plain k6 JavaScript, no bundle.

import { Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';

/** The feed latency bench/suite.ts reads from the summary export (its p99). */
const feedLatency = new Trend('feed_latency_ms', true);
/**
 * From a close the user did not make to the first message on the next connection (the greeting): the
 * gap a reconnect leaves, which zerodrop's zd_reconnect_ms measures the same way. Replays wait through it.
 */
const reconnect = new Trend('reconnect_ms', true);
const orderIntervalMs = Number(__ENV.ORDER_INTERVAL_MS || 2000);
const reconnectMs = 100;

/** Runs the feed user `name` with its cookie jar (when given) for `ms`. */
export function feedUser(name, jar, ms) {
  const end = Date.now() + ms;
  const pending = new Map();
  let sent = 0;
  let lastId = null;
  let closedAt = null;
  const connect = (resolve) => {
    const query = lastId === null ? '' : `?lastId=${encodeURIComponent(lastId)}`;
    const ws = new WebSocket(`${__ENV.BASE_URL.replace('http', 'ws')}/ws${query}`, null, jar ? { jar } : {});
    let orders = 0;
    const stop = setTimeout(() => ws.close(), Math.max(0, end - Date.now()));
    ws.onopen = () => {
      orders = setInterval(() => {
        const cid = `${name}-${++sent}`;
        pending.set(cid, Date.now());
        ws.send(JSON.stringify({ type: 'order', cid, item: 'bench-widget', qty: 1 }));
      }, orderIntervalMs);
    };
    ws.onmessage = (e) => {
      if (closedAt !== null) {
        reconnect.add(Date.now() - closedAt);
        closedAt = null;
      }
      const frame = JSON.parse(e.data);
      if (frame.type === 'feed') {
        lastId = frame.id;
        feedLatency.add(Date.now() - frame.ts);
      } else if (frame.type === 'ack') pending.delete(frame.cid);
    };
    // A refused handshake may end with an error and no close: whichever comes first ends the socket.
    let ended = false;
    ws.onerror = ws.onclose = () => {
      if (ended) return;
      ended = true;
      clearInterval(orders);
      clearTimeout(stop);
      if (Date.now() < end) {
        closedAt ??= Date.now();
        setTimeout(() => connect(resolve), reconnectMs);
      } else resolve({ sent, unacked: pending.size });
    };
  };
  return new Promise(connect);
}
