/**
 * The feed messages one WebSocket session received, added to k6 as one sample per attribution and flush
 * instead of one tagged sample per message (a tagged Counter.add costs more than the rest of a message's
 * bookkeeping). Totals and tags are those of per-message adds; samples are at most a flush interval
 * late. `count` takes the session's attribution object, which is replaced, never changed, when the phase
 * or the serving pod changes: a new object flushes what the old one counted.
 */
import type { Attribution } from '../run/control.ts';
import { metrics } from '../verdict/metrics.ts';

export class MessageCounts {
  private at: Attribution | null = null;
  private received = 0;
  private inRollout = 0;

  count(at: Attribution, messages = 1): void {
    if (at !== this.at) {
      this.flush();
      this.at = at;
    }
    this.received += messages;
    if (at.phase === 'rollout') this.inRollout += messages;
  }

  /** Adds what was counted since the last flush to zd_msgs_received and zd_rollout_phase_samples. */
  flush(): void {
    if (this.received > 0 && this.at) metrics.zd_msgs_received.add(this.received, this.at);
    if (this.inRollout > 0) metrics.zd_rollout_phase_samples.add(this.inRollout);
    this.received = 0;
    this.inRollout = 0;
  }
}
