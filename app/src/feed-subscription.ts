/**
 * One socket's view of the feed: optional replay after `lastId`, then live entries, with no gap and no
 * duplicate. Live entries are buffered while the replay is read; every entry is delivered only if its
 * id is after the last one delivered to this socket.
 */
import { encodeFeedEntry, type FeedEntry, type FeedReader } from './feed.ts';
import { isAfter } from './stream-id.ts';

export class FeedSubscription {
  readonly #reader: FeedReader;
  readonly #send: (frame: Buffer) => void;
  #lastDelivered: string | null = null;
  /** Live entries that arrived before goLive(); null once live. */
  #pending: { id: string; frame: Buffer }[] | null = [];
  #unsubscribe: (() => void) | null = null;

  constructor(reader: FeedReader, send: (frame: Buffer) => void) {
    this.#reader = reader;
    this.#send = send;
  }

  /**
   * Subscribes (buffering live entries) and returns the entries to replay: those after `lastId`, or none
   * when lastId is null. Send them with goLive().
   */
  async start(lastId: string | null): Promise<FeedEntry[]> {
    this.#unsubscribe = this.#reader.subscribe((entry, frame) => {
      if (this.#pending) this.#pending.push({ id: entry.id, frame });
      else this.#deliver(entry.id, frame);
    });
    if (lastId === null) return [];
    this.#lastDelivered = lastId;
    return this.#reader.entriesAfter(lastId);
  }

  /** Delivers the replay, then what arrived meanwhile, then every live entry as it comes. */
  goLive(replay: readonly FeedEntry[]): void {
    for (const entry of replay) this.#deliver(entry.id, encodeFeedEntry(entry));
    const pending = this.#pending ?? [];
    this.#pending = null;
    for (const { id, frame } of pending) this.#deliver(id, frame);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #deliver(id: string, frame: Buffer): void {
    if (this.#lastDelivered !== null && !isAfter(id, this.#lastDelivered)) return;
    this.#lastDelivered = id;
    this.#send(frame);
  }
}
