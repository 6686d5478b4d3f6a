/**
 * The ws_users flow: each user logs in, opens the WebSocket with its session (raw JSON frames or
 * Socket.IO), tracks the feed's sequence numbers, sends orders and matches their acks, classifies every
 * close, reconnects with backoff and resumes from where it stopped (query, first message or Socket.IO
 * auth, as the profile says), and checks the session survives without re-authentication. Runs until the
 * run ends. A VU runs its users' sessions concurrently on its event loop.
 */
import http from 'k6/http';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { type CloseEvent, type MessageEvent, WebSocket } from 'k6/websockets';
import type { FeedReader, FeedSession } from 'k6/x/zerodrop';
import { adapter } from '../adapter/user-adapter.ts';
import type { TargetProfile, WebSocketProfile } from '../profile/profile.ts';
import { hasFrame, hasOrders } from '../profile/profile.ts';
import type { Attribution, Control, TrafficRecorder } from '../run/control.ts';
import type { LagMonitor } from '../run/lag.ts';
import { emptyTimeline, isOver, nextMarkAfter, type Phase, phaseAt, type Timeline } from '../run/phase.ts';
import type { Config } from '../settings/registry.ts';
import type { EventInvariant, MetricName } from '../verdict/catalog.ts';
import { FeedTracker, OrderTracker } from '../verdict/correlation.ts';
import {
  closeDetail,
  errorDetail,
  type FeedPlace,
  failedAt,
  feedGapDetail,
  wsRefusedBy,
} from '../verdict/failure-detail.ts';
import { type FailureOptions, fail } from '../verdict/failures.ts';
import { metrics } from '../verdict/metrics.ts';
import { backoffMs, classifyClose } from './close-codes.ts';
import {
  classifyFrame,
  orderText,
  type ResumeValues,
  resumeUrl,
  type WsEvent,
  withOrderId,
} from './frames.ts';
import { compareIdentity, type Identity } from './identity.ts';
import { MessageCounts } from './message-counts.ts';
import { sioConnect, sioEmitWithAck, sioPong } from './socketio.ts';
import { login, loginFailure, runVuShare, type SyntheticUser, unauthorizedExpected } from './users.ts';
import { adapterMessage, adapterOpening, readMessage, resumePayload, withQueryParams } from './ws-message.ts';

/** The wait for acks still due at the end, on top of the VU's event-loop lag (lag.ts), and its cap. */
const drainAcksMs = 3000;
const maxDrainAcksMs = 30_000;
const maxReconnectAttempts = 50;
/** How long a message may have waited in the VU's queue before its user gives up (3× the lag guard). */
const giveUpAfterMs = 15_000;
/** One warning per VU. */
let warnedSaturated = false;

/**
 * Runs this VU's share of the WebSocket users to the end of the run. `Reader`, k6/x/zerodrop's FeedReader
 * where the entry's k6 has zerodrop's extension (not on Grafana Cloud load zones), reads plain feed frames
 * in Go and counts each user's feed frames in sequence there (the users' feed sessions).
 */
export function wsUsers(
  config: Config,
  profile: TargetProfile,
  control: Control,
  runId: string,
  Reader?: typeof FeedReader,
): Promise<void> {
  const ws = profile.websocket;
  if (!ws) return Promise.resolve();
  const reader = plainFeedReader(ws, Reader);
  return runVuShare(
    'w',
    config.wsUsers,
    config,
    profile,
    control,
    async (user, traffic, lag) => {
      const session = new WsSession(user, config, profile, ws, control, traffic, lag, runId, reader);
      await session.run();
    },
    { counted: reader && { kind: 'feed', traffic: reader }, waits: reader },
  );
}

/**
 * A native reader of the profile's feed frames, for raw JSON frames classified by the profile's
 * matchers; null where the JavaScript path reads everything: no reader, Socket.IO, an adapter's classify
 * or resume (they see every frame's event), no feed frames.
 */
function plainFeedReader(ws: WebSocketProfile, Reader?: typeof FeedReader): FeedReader | null {
  const feed = ws.frames.feed;
  if (!Reader || !feed || ws.protocol === 'socket.io' || adapter.classify || adapter.resume) return null;
  return new Reader(feed, { latencyMetric: 'zd_feed_latency_ms' satisfies MetricName, giveUpAfterMs });
}

/** How one connection ended. */
type Ended = 'client' | 'retry' | 'stop';

class WsSession {
  private identity: Identity = { user: null, sessionId: null, sid: null };
  private persisted = true;
  private readonly feed = new FeedTracker();
  private readonly orders = new OrderTracker();
  private timeline: Timeline = emptyTimeline;
  private served = { pod: 'unknown', color: 'unknown' };
  /**
   * Where the session is now (phase, pod, color): one object while none of them changes, so a message
   * allocates no tags and the message counts see when it changed. Never mutated: replaced.
   */
  private where: Attribution = { phase: 'baseline', ...this.served };
  private readonly messages = new MessageCounts();
  private orderCount = 0;
  private attempt = 0;
  private stopping = false;
  /** The socket of the connection under way; null between connections. */
  private socket: WebSocket | null = null;
  /** The user gave up on a backlog k6 could not work through (gaveUp). */
  private abandoned = false;
  private closedAt: number | null = null;
  /** The last feed frame: decoded, or (read natively) its text, decoded when a resume needs it. */
  private lastFeed: unknown = null;
  private lastFeedText: string | null = null;
  private lastGreeting: unknown = null;
  /** The last feed and greeting events, for the adapter's resume. */
  private lastFeedEvent: WsEvent | null = null;
  private lastGreetingEvent: WsEvent | null = null;
  private activeAt = 0;
  /**
   * When the current connection's last frame arrived (k6 times a frame when it is read, a close when its
   * VU gets to it: on a loaded machine seconds later); null before the first.
   */
  private frameAt: number | null = null;
  /**
   * Where the current connection stands, for the cause of a gap or a repeat (feedGapDetail). Its pod is
   * null until the connection's greeting names it (profiles with a greeting).
   */
  private place: Omit<FeedPlace, 'after' | 'came'> = {
    onConnection: 0,
    pod: null,
    podBefore: null,
    resumedFrom: null,
  };
  private readonly baseUrl: string;
  /** This user's feed frames counted in Go (null: JavaScript counts them), and the attribution it was armed with. */
  private readonly goFeed: FeedSession | null;
  private armedAt: Attribution = this.where;

  constructor(
    private readonly user: SyntheticUser,
    private readonly config: Config,
    private readonly profile: TargetProfile,
    private readonly ws: WebSocketProfile,
    private readonly control: Control,
    private readonly traffic: TrafficRecorder,
    private readonly lag: LagMonitor,
    private readonly runId: string,
    private readonly reader: FeedReader | null,
  ) {
    this.baseUrl = config.wsUrl ?? `${config.baseUrl.replace(/^http/, 'ws')}${ws.path}`;
    this.goFeed = reader === null ? null : reader.session();
  }

  private phase(now = Date.now()): Phase {
    return phaseAt(now, this.timeline);
  }

  private at(now = Date.now()): Attribution {
    const phase = this.phase(now);
    if (phase !== this.where.phase) this.where = { phase, ...this.served };
    return this.where;
  }

  private fail(invariant: EventInvariant, detail?: string, options?: FailureOptions): Promise<void> {
    return fail(this.control, invariant, this.at(), detail, options);
  }

  async run(): Promise<void> {
    const first = await login(this.profile, this.config, this.user, { phase: 'baseline' });
    if (!first.identity) {
      console.error(`login of ${this.user.name} failed: ${loginFailure(first)}`);
      return;
    }
    metrics.zd_sessions_established.add(1, { kind: 'ws' });
    await this.establish(first.identity);
    this.timeline = await this.control.timeline(Date.now());

    for (;;) {
      const ended = await this.connection();
      if (ended !== 'retry') break;
      this.attempt++;
      this.timeline = await this.control.timeline(Date.now());
      if (this.attempt > maxReconnectAttempts || isOver(Date.now(), this.timeline)) break;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(this.attempt, Math.random())));
      // The end of the run may have been seen meanwhile (a late timer): no new connection then.
      if (this.stopping) break;
    }

    if (this.orders.pendingCount > 0 && !this.abandoned)
      metrics.zd_orders_unacked.add(this.orders.pendingCount, this.at());
    await this.control.recordOrders(this.user.name, this.orders.ackedIds());
    await this.control.recordActivity(this.user.name, this.activeAt);
    metrics.zd_session_persisted.add(this.persisted ? 1 : 0);
    metrics.zd_users_finished.add(1, { kind: 'ws' });
  }

  private async establish(identity: Identity): Promise<void> {
    this.identity = identity;
    // A WebSocket need not extend its session: only the login is sure activity.
    this.activeAt = Date.now();
    if (identity.sid !== null) await this.control.recordSession(this.user.name, identity.sid);
  }

  /**
   * Lets Go count the next feed frames in sequence until the timeline's next mark (where the phase or
   * the run's end may change), under the attribution of now; not once the user stops. Takes what Go
   * counted first: Go continues the sequence from where this session stands.
   */
  private arm(now = Date.now()): void {
    if (this.goFeed === null) return;
    this.takeCounted();
    if (this.stopping || this.abandoned) {
      this.goFeed.disarm();
      return;
    }
    const at = this.at(now);
    this.armedAt = at;
    this.goFeed.arm(nextMarkAfter(now, this.timeline), this.feed.lastSequence, at.phase, at.pod, at.color);
  }

  /**
   * What Go counted since the last look, brought in before anything reads what it changes: each of those
   * messages as onFeed would have counted it (its latency sample is already in k6; what served it is
   * the VU's, taken by its traffic recorder).
   */
  private takeCounted(): void {
    const counted = this.goFeed?.take();
    if (!counted) return;
    const at = this.armedAt;
    this.feed.advance(counted.lastSeq, counted.count);
    this.place.onConnection += counted.count;
    this.messages.count(at, counted.count);
    this.frameAt = counted.lastFrameAt;
    this.lastFeed = null;
    this.lastFeedText = counted.lastText;
  }

  /** What resume templates read; null before the first feed frame (nothing to resume from). */
  private resumeValues(): ResumeValues | null {
    if (this.lastFeedText !== null) {
      this.lastFeed = JSON.parse(this.lastFeedText);
      this.lastFeedText = null;
    }
    if (this.lastFeed === null) return null;
    return { feed: this.lastFeed, greeting: this.lastGreeting, session: { id: this.identity.sid } };
  }

  /** One connection, from the upgrade to its close. */
  private connection(): Promise<Ended> {
    const socketIo = this.ws.protocol === 'socket.io';
    const namespace = this.ws.namespace ?? '/';
    const values = this.resumeValues();
    const base = socketIo ? withQuery(this.baseUrl, 'EIO=4&transport=websocket') : this.baseUrl;
    const opening = adapter.resume
      ? adapterOpening(adapter, {
          feed: this.lastFeedEvent,
          greeting: this.lastGreetingEvent,
          sessionId: this.identity.sid,
        })
      : null;
    const url = opening ? withQueryParams(base, opening.query) : resumeUrl(base, this.ws, values);
    const sendsCursor = values !== null && (adapter.resume ? true : this.ws.resume !== undefined);
    this.place = {
      onConnection: 0,
      pod: hasFrame(this.profile, 'greeting') ? null : this.served.pod,
      // A connection opened while a close is not yet followed by a usable session is a reconnect.
      podBefore: this.closedAt === null ? null : this.served.pod,
      resumedFrom: sendsCursor ? this.feed.lastSequence : null,
    };
    metrics.zd_ws_connections.add(1);
    const socket = new WebSocket(url, null, {
      jar: this.user.jar,
      tags: { phase: this.phase(), flow: 'ws' },
    });
    this.socket = socket;
    let opened = false;
    let ready = false;
    let refused: string | null = null;
    let nextAckId = 0;
    const ackIds = new Map<number, string>();
    const timers: number[] = [];

    const send = (frame: string) => {
      if (socket.readyState === 1) socket.send(frame);
    };
    const order = this.ws.order;
    // A raw order's text, serialised once per connection rather than per order.
    const orderFrame = order && !socketIo && !adapter.order ? orderText(order.frame) : undefined;
    const sendOrder = (cid: string) => {
      if (adapter.order) send(adapter.order(cid));
      else if (!order) return;
      else if (socketIo) {
        const ackId = nextAckId++;
        ackIds.set(ackId, cid);
        send(sioEmitWithAck(namespace, ackId, order.event as string, withOrderId(order.data, cid)));
      } else if (orderFrame) send(orderFrame(cid));
    };
    /** The session is usable: the greeting came (or, without one, the connection is up). */
    const onReady = () => {
      if (ready) return;
      ready = true;
      this.traffic.socket('open', this.served, this.closedAt !== null);
      if (this.closedAt !== null) {
        metrics.zd_reconnect_ms.add(Date.now() - this.closedAt, this.at());
        this.closedAt = null;
        this.attempt = 0;
        for (const cid of this.orders.unacked()) sendOrder(cid);
        const probe = this.orders.resendProbe();
        if (probe) sendOrder(probe);
      }
    };
    const onFrame = (event: WsEvent, now: number) => {
      switch (event.kind) {
        case 'greeting':
          this.onGreeting(event);
          onReady();
          break;
        case 'feed':
          this.lastFeed = event.frame;
          this.lastFeedText = null;
          this.lastFeedEvent = event;
          this.onFeed(event.seq, event.ts, now);
          break;
        case 'ack':
          this.onAck(event.id, event.outcome);
          break;
        case 'invalid':
          this.fail('zd_ws_bad_frames', event.reason).catch(logError);
          break;
        case 'error':
        case 'other':
          break;
      }
    };

    // Handlers go on the on* properties: k6 calls those directly, while an addEventListener handler is
    // converted to a Go function and called through reflection, on every message.
    socket.onopen = () => {
      opened = true;
      if (!socketIo) {
        const message = opening ? opening.message : resumePayload(this.ws, values, 'message');
        if (typeof message === 'string') send(message);
        else if (message !== undefined) send(JSON.stringify(message));
        if (!hasFrame(this.profile, 'greeting')) onReady();
      }
      timers.push(
        setInterval(() => {
          if (this.stopping || !ready || !hasOrders(this.profile)) return;
          const cid = `${this.runId}-w${this.user.number}-${++this.orderCount}`;
          this.orders.send(cid, Date.now());
          metrics.zd_orders_sent.add(1);
          sendOrder(cid);
        }, this.config.orderIntervalMs),
        setInterval(() => this.watch(), 1000),
      );
      this.arm();
    };

    this.frameAt = null;
    socket.onmessage = (e) => {
      // A user that gave up its socket skips what is still queued for it (k6 delivers it anyway).
      if (this.abandoned) return;
      const event = e as MessageEvent;
      // Nearly every message is the next feed frame: counted in Go while the session is armed.
      if (this.goFeed?.count(event.data, event.timestamp)) return;
      onMessage(event);
      this.arm();
    };
    const onMessage = (e: MessageEvent) => {
      this.takeCounted();
      // One clock reading per message: each costs a call into k6's runtime, at thousands per second.
      const now = Date.now();
      const frameAt = e.timestamp ?? now;
      this.frameAt = frameAt;
      const waited = now - frameAt;
      this.lag.waited(waited);
      if (this.gaveUp(socket, waited)) return;
      this.stopIfOver(now);
      const raw = e.data;
      const text = typeof raw === 'string' ? raw : '';
      // Nearly every message is a feed frame in order: read natively where the k6 can.
      const plain = this.reader === null ? null : this.reader.read(text);
      if (plain !== null) {
        this.lastFeedText = text;
        this.onFeed(plain.seq, plain.ts, now);
        this.traffic.podServed(this.served.pod, frameAt);
        return;
      }
      if (adapter.classify) {
        const { event, reply } = adapterMessage(text, adapter);
        if (reply !== undefined) send(reply);
        onFrame(event, now);
        return;
      }
      const input = readMessage(text, this.ws);
      switch (input.kind) {
        case 'open':
          send(sioConnect(namespace, resumePayload(this.ws, values, 'auth')));
          break;
        case 'ping':
          send(sioPong);
          break;
        case 'connected':
          if (!hasFrame(this.profile, 'greeting')) onReady();
          break;
        case 'refused':
          refused = `Socket.IO connect refused: ${input.message}`;
          socket.close(1000, 'refused');
          break;
        case 'frame':
          onFrame(classifyFrame(input.frame, this.ws), now);
          break;
        case 'ack': {
          const cid = ackIds.get(input.ackId);
          ackIds.delete(input.ackId);
          if (cid === undefined) break;
          const event = classifyFrame(
            { type: 'ack', id: cid, data: input.args[0], args: input.args },
            this.ws,
          );
          if (event.kind === 'ack') this.onAck(cid, event.outcome);
          else onFrame(event, now);
          break;
        }
        case 'invalid':
          onFrame(input, now);
          break;
        case 'disconnect':
        case 'ignore':
          break;
      }
      this.traffic.podServed(this.served.pod, frameAt);
    };

    let handshakeError: string | null = null;
    let refusedBy: string | null = null;
    socket.onerror = (e) => {
      if (opened) return;
      const error = (e as { error?: string }).error;
      handshakeError = errorDetail(error);
      refusedBy = wsRefusedBy(url, error);
    };

    return new Promise<Ended>((resolve) => {
      (socket as unknown as { onclose: (e: CloseEvent) => void }).onclose = (e) => {
        this.takeCounted();
        this.goFeed?.disarm();
        this.socket = null;
        for (const timer of timers) clearInterval(timer);
        this.messages.flush();
        if (ready) this.traffic.socket('close', this.served);
        const failed = { handshakeError, refusedBy };
        this.onClose(e, opened, failed, refused).then(resolve, (error) => {
          logError(error);
          resolve('stop');
        });
      };
    });
  }

  private onGreeting(event: Extract<WsEvent, { kind: 'greeting' }>): void {
    this.lastGreeting = event.frame;
    this.lastGreetingEvent = event;
    this.served = { pod: event.pod ?? this.served.pod, color: event.color ?? this.served.color };
    this.place.pod = this.served.pod;
    this.where = { phase: this.phase(), ...this.served };
    // The greeting opens the connection: the pod accepted it when the frame arrived.
    this.traffic.pod(this.served.pod, { lastNewConnection: this.frameAt ?? Date.now() });
    const spec = this.ws.frames.greeting;
    // An adapter's greeting names what it names; a profile's, what its fields say to look for.
    const { identity, change } = compareIdentity(
      this.identity,
      {
        ...((adapter.classify ? event.user === null : spec?.user === undefined) ? {} : { user: event.user }),
        ...((adapter.classify ? event.sessionId === null : spec?.sessionId === undefined)
          ? {}
          : { sessionId: event.sessionId }),
      },
      this.closedAt === null ? 'greeting' : 'greeting after reconnect',
    );
    this.identity = identity;
    if (change !== null) {
      this.fail('zd_identity_changed', change).catch(logError);
      this.persisted = false;
    }
  }

  /** A feed message: its sequence number and publish time (null when it has none). */
  private onFeed(seq: number, ts: number | null, now: number): void {
    const at = this.at(now);
    const before = this.feed.lastSequence;
    this.place.onConnection++;
    const seen = this.feed.observe(seq);
    this.messages.count(at);
    const latency = ts === null ? null : now - ts;
    this.traffic.served('feed', this.served, latency, now);
    if (latency !== null) metrics.zd_feed_latency_ms.add(latency, at);
    if (seen.lost === 0 && !seen.duplicate) return;
    const place = { ...this.place, after: before, came: seq };
    if (seen.lost > 0) {
      this.fail('zd_msgs_lost', feedGapDetail(place, `${seen.lost} missing`), {
        count: seen.lost,
      }).catch(logError);
    }
    if (seen.duplicate) this.fail('zd_msgs_duplicated', feedGapDetail(place, 'again')).catch(logError);
  }

  private onAck(cid: string | null, outcome: 'applied' | 'duplicate' | 'other'): void {
    if (cid === null) return;
    const at = this.at();
    const before = this.orders.appliedTwice;
    const latency = this.orders.ack(cid, outcome === 'duplicate', Date.now());
    if (latency !== null) {
      metrics.zd_order_ack_ms.add(latency, at);
      metrics.zd_orders_acked.add(1);
    }
    if (this.orders.appliedTwice > before) {
      this.fail(
        'zd_orders_applied_twice',
        `resent order acked as applied again (status not a duplicate)`,
      ).catch(logError);
    }
  }

  /**
   * Every second: add the messages counted, take the run's timeline, and at the end drain acks and close.
   * Synchronous unless the timeline is stale (the VU reads it again every half second: users.ts): an
   * async call costs a promise and a resumption, per socket per second.
   */
  private watch(): void {
    this.takeCounted();
    this.messages.flush();
    const now = Date.now();
    const timeline = this.control.freshTimeline(now);
    if (timeline !== null) {
      this.timeline = timeline;
      this.stopIfOver(now);
      this.arm(now);
      return;
    }
    this.refresh().catch(logError);
  }

  private async refresh(): Promise<void> {
    this.timeline = await this.control.timeline(Date.now());
    this.stopIfOver();
    this.arm();
  }

  /**
   * A VU whose messages wait longer than `giveUpAfterMs` in its event loop's queue cannot judge anything
   * more, and would not even see the run end (the timers and Redis replies that tell it wait behind the
   * same backlog, k6's own stop too): the user closes its socket (k6 then drops the messages queued for
   * it) and ends. The lag guard fails the run as k6-saturated; acks still owed are not counted against
   * the service.
   */
  private gaveUp(socket: WebSocket, waitedMs: number): boolean {
    if (this.stopping || waitedMs < giveUpAfterMs) return false;
    this.stopping = true;
    this.abandoned = true;
    if (!warnedSaturated) {
      warnedSaturated = true;
      console.warn(
        `k6 is ${Math.round(waitedMs / 1000)} s behind its WebSocket messages: this VU closes its sockets (a saturated k6 cannot judge)`,
      );
    }
    socket.close(1000, 'k6 saturated');
    return true;
  }

  /**
   * At the end of the run: stop sending, wait for the acks still due (`drainAcksMs` plus the VU's lag: an
   * ack may be queued behind a backlog), then close.
   * Also checked on every message: a VU behind on its messages runs its timers late, and the run must
   * end when the timeline says, not when the backlog is through (k6 drops the messages queued after
   * the close).
   * It closes the socket open when the wait ends, not one it was handed: on a late VU a timer's or a
   * Redis reply's continuation can run after its connection closed and the next one opened, and closing
   * the old one again would leave the new one open, unwatched, until k6's maxDuration.
   */
  private stopIfOver(now = Date.now()): void {
    if (this.stopping || !isOver(now, this.timeline)) return;
    this.stopping = true;
    const started = Date.now();
    const closeWhenAcked = setInterval(() => {
      const waited = Date.now() - started;
      const due = Math.min(maxDrainAcksMs, drainAcksMs + this.lag.recentMs);
      if (this.orders.pendingCount === 0 || waited > due) {
        clearInterval(closeWhenAcked);
        this.socket?.close(1000, 'run over');
      }
    }, 100);
  }

  /** `failed`: a handshake's error and, for a connection never made, the address that refused it. */
  private async onClose(
    close: CloseEvent,
    opened: boolean,
    failed: { handshakeError: string | null; refusedBy: string | null },
    refused: string | null,
  ): Promise<Ended> {
    const { handshakeError, refusedBy } = failed;
    const kind = refused !== null ? 'unauthorized' : classifyClose(close.code, this.stopping, this.ws);
    if (kind === 'client') return 'client';
    this.closedAt ??= Date.now();
    const at = this.at();
    if (!opened) {
      // A refused upgrade: was it the session? Ask the identity endpoint with the same cookies.
      const rejected = await this.sessionRejected();
      if (rejected !== null)
        return this.lostSession(`upgrade refused (${handshakeError ?? 'no status'}); ${rejected}`);
      console.warn(`WebSocket handshake of ${this.user.name} failed: ${handshakeError ?? 'unknown'}`);
      // No pod answered this handshake (k6 shows no response headers of a failed upgrade): the pod of the
      // previous connection is not who refused it. A connection never made goes to the address that
      // refused it, as an HTTP request's does; any other failure to `unknown`, as an answer naming no pod.
      const where = failedAt({ pod: 'unknown', color: 'unknown' }, refusedBy);
      await fail(
        this.control,
        'zd_ws_connect_errors',
        { phase: at.phase, ...where },
        handshakeError ?? undefined,
      );
      return 'retry';
    }
    // The server closed it (cleanly or not): the pod's drain closing its connections. A frame that came
    // within 2 s before the close event times it better than the event does.
    if (kind === 'clean' || kind === 'abnormal') {
      const closedAt = close.timestamp ?? Date.now();
      const frameAt = this.frameAt;
      const firstClose = frameAt !== null && closedAt - frameAt <= 2000 ? frameAt : closedAt;
      this.traffic.pod(at.pod, { firstClose });
    }
    if (kind === 'clean') metrics.zd_ws_clean_closes.add(1, { ...at, code: String(close.code) });
    if (kind === 'abnormal') {
      await this.fail('zd_ws_abnormal_closes', closeDetail(close.code), {
        tags: { code: String(close.code ?? 'none') },
      });
    }
    if (kind === 'unauthorized') return this.lostSession(refused ?? closeDetail(close.code));
    return 'retry';
  }

  /** The identity endpoint's answer when it calls the session unauthenticated; null when it accepts it. */
  private async sessionRejected(): Promise<string | null> {
    const path = this.profile.http.identity.path;
    const res = await http.asyncRequest('GET', `${this.config.baseUrl}${path}`, null, {
      jar: this.user.jar,
      tags: { phase: this.phase(), flow: 'ws_auth_check' },
      responseCallback: unauthorizedExpected(this.profile),
    });
    return this.profile.http.unauthorizedStatuses.includes(res.status)
      ? `GET ${path}: status ${res.status}`
      : null;
  }

  private async lostSession(detail: string): Promise<Ended> {
    const at = this.at();
    await this.fail('zd_auth_lost', detail);
    this.persisted = false;
    const again = await login(this.profile, this.config, this.user, { phase: at.phase });
    if (!again.identity) return 'retry';
    metrics.zd_relogins.add(1, at);
    await this.establish(again.identity);
    return 'retry';
  }
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

function logError(error: unknown): void {
  console.error(`ws user: ${String(error)}`);
}
