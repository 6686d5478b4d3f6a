/**
 * How far behind its own clock a VU runs. k6 queues timer callbacks, WebSocket messages and HTTP
 * responses on one event loop per VU: when messages arrive faster than the VU handles them, callbacks
 * wait behind the backlog, timings measured by the users grow with it, acks sit unread and the end of the
 * run comes late. Two measures, the larger counts: a tick every `tickMs` measures a timer's delay past
 * schedule, and the users report how long each WebSocket message waited between k6 reading it and the
 * VU getting to it (`waited`; for the feed frames counted in Go, `MessageWaits`). The tick alone misses
 * a backlog: k6 hands a socket's queued messages to the loop in batches, and a timer runs between two
 * batches however long the queue behind them is. A tick that runs late also records the ticks it starved
 * (lag-ticks.ts), so a long stall weighs in the p99 as long as it lasted. So the verdict can tell a
 * saturated load generator from a slow service, and waits can allow for it.
 */
import { clearInterval, setInterval } from 'k6/timers';
import { metrics } from '../verdict/metrics.ts';
import { lagSamples } from './lag-ticks.ts';

const tickMs = 250;
/** The ticks `recentMs` looks back over (5 s). */
const window = 20;

/** Messages' waits recorded elsewhere (k6/x/zerodrop's FeedReader: the feed frames counted in Go). */
export interface MessageWaits {
  /** The longest wait since the last takeWait. */
  peekWait(): number;
  /** peekWait(), then starts over. */
  takeWait(): number;
}

/** Records how far behind this VU runs until stopped; one per VU, not per user. */
export class LagMonitor {
  constructor(private readonly waits: MessageWaits | null = null) {}

  private last = Date.now();
  /** The longest a message waited since the last tick. */
  private messageWait = 0;
  private readonly recent: number[] = [];
  private readonly timer = setInterval(() => {
    const now = Date.now();
    const late = now - this.last - tickMs;
    const lag = Math.max(0, late, this.messageWait, this.waits?.takeWait() ?? 0);
    this.last = now;
    this.messageWait = 0;
    metrics.zd_k6_lag_ms.add(lag);
    // A tick that ran late stands for the ticks the backlog starved (lag-ticks.ts).
    if (late >= tickMs)
      for (const missed of lagSamples(late, tickMs).slice(1)) metrics.zd_k6_lag_ms.add(missed);
    this.recent.push(lag);
    if (this.recent.length > window) this.recent.shift();
  }, tickMs);

  /** A message the VU gets to now waited `ms` since k6 read it. */
  waited(ms: number): void {
    if (ms > this.messageWait) this.messageWait = ms;
  }

  /** The largest lag of the last few seconds: about how late a callback due now will run. */
  get recentMs(): number {
    const waited = Math.max(this.messageWait, this.waits?.peekWait() ?? 0);
    return Math.max(0, Date.now() - this.last - tickMs, waited, ...this.recent);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
