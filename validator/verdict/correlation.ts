/**
 * Message correlation: the feed's contiguous sequence numbers (no gap = no loss, no repeat = no
 * duplicate) and the orders' correlation ids (every order acked; a duplicate ack only for a resend).
 * Pure: no k6 imports.
 */

export interface FeedObservation {
  /** Messages skipped since the previous one (0 when contiguous). */
  lost: number;
  /** True when this sequence number was already seen (or is behind the cursor). */
  duplicate: boolean;
}

/** The observation of nearly every message, shared: a message in order allocates nothing. */
const contiguous: FeedObservation = Object.freeze({ lost: 0, duplicate: false });
const repeated: FeedObservation = Object.freeze({ lost: 0, duplicate: true });

/** Tracks one subscriber's feed. The first message sets the baseline; resume continues from the last. */
export class FeedTracker {
  private lastSeq: number | null = null;
  received = 0;
  lost = 0;
  duplicated = 0;

  observe(seq: number): FeedObservation {
    this.received++;
    if (this.lastSeq === null) {
      this.lastSeq = seq;
      return contiguous;
    }
    if (seq <= this.lastSeq) {
      this.duplicated++;
      return repeated;
    }
    const lost = seq - this.lastSeq - 1;
    this.lastSeq = seq;
    if (lost === 0) return contiguous;
    this.lost += lost;
    return { lost, duplicate: false };
  }

  get lastSequence(): number | null {
    return this.lastSeq;
  }

  /** `count` messages observed elsewhere, each the next in sequence, the last of them `lastSeq`. */
  advance(lastSeq: number, count: number): void {
    this.received += count;
    this.lastSeq = lastSeq;
  }
}

export type AckOutcome = 'acked' | 'duplicate-ack' | 'unexpected';

/** Tracks orders sent by one user: pending until acked; resent after a reconnect. */
export class OrderTracker {
  private readonly pending = new Map<string, number>();
  private readonly acked = new Set<string>();
  private lastAcked: string | null = null;
  sent = 0;
  /** Acks saying "applied" for an order already acked: a resend was applied twice. */
  appliedTwice = 0;
  /** Acks for cids this user never sent. */
  unexpectedAcks = 0;

  send(cid: string, now: number): void {
    this.sent++;
    this.pending.set(cid, now);
  }

  /** Orders that were not acked yet: resend them after a reconnect. */
  unacked(): string[] {
    return [...this.pending.keys()];
  }

  /** Records an ack; returns the ack latency in ms when it completes a pending order. */
  ack(cid: string, duplicate: boolean, now: number): number | null {
    const sentAt = this.pending.get(cid);
    if (sentAt === undefined) {
      if (this.acked.has(cid)) {
        if (!duplicate) this.appliedTwice++;
      } else {
        this.unexpectedAcks++;
      }
      return null;
    }
    this.pending.delete(cid);
    this.acked.add(cid);
    this.lastAcked = cid;
    return now - sentAt;
  }

  /**
   * The order to resend deliberately after a reconnect (at-least-once clients resend what they are
   * unsure of): its ack must say duplicate, never applied.
   */
  resendProbe(): string | null {
    return this.lastAcked;
  }

  /** Acked order ids: the audit checks each was applied exactly once. */
  ackedIds(): string[] {
    return [...this.acked];
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
