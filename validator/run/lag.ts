/**
 * How far behind its own clock a VU's event loop runs. k6 queues timer callbacks, WebSocket messages and
 * HTTP responses on one FIFO loop per VU: when messages arrive faster than the VU handles them, every
 * callback waits behind the backlog, timings measured by the users grow with it, acks sit unread and
 * the end of the run comes late. A tick every `tickMs` measures that wait (its delay past schedule), so
 * the verdict can tell a saturated load generator from a slow service, and waits can allow for it.
 */
import { clearInterval, setInterval } from 'k6/timers';
import { metrics } from '../verdict/metrics.ts';

const tickMs = 250;
/** The ticks `recentMs` looks back over (5 s). */
const window = 20;

/** Records the event-loop lag of this VU until stopped; one per VU, not per user. */
export class LagMonitor {
  private last = Date.now();
  private readonly recent: number[] = [];
  private readonly timer = setInterval(() => {
    const now = Date.now();
    const lag = Math.max(0, now - this.last - tickMs);
    this.last = now;
    metrics.zd_k6_lag_ms.add(lag);
    this.recent.push(lag);
    if (this.recent.length > window) this.recent.shift();
  }, tickMs);

  /** The largest lag of the last few seconds: about how late a callback due now will run. */
  get recentMs(): number {
    return Math.max(0, Date.now() - this.last - tickMs, ...this.recent);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
