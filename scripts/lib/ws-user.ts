/**
 * The ws_users flow: each user logs in, opens the WebSocket with its session, tracks the feed's sequence
 * numbers and correlation ids, sends orders, classifies every close, reconnects with backoff and resumes
 * from the last cursor, and checks the session survives without re-authentication. Runs until the run
 * ends. A VU runs its users' sockets concurrently on its event loop.
 */
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { type CloseEvent, type MessageEvent, WebSocket } from 'k6/websockets';
import { backoffMs, classifyClose } from './close-codes.ts';
import type { Config } from './config.ts';
import type { Control, TrafficRecorder } from './control.ts';
import { FeedTracker, OrderTracker } from './correlation.ts';
import { closeDetail, errorDetail } from './failure-detail.ts';
import { metrics } from './metrics.ts';
import { isOver, type Phase, phaseAt, type Timeline } from './phase.ts';
import type { TargetProfile } from './profile.ts';
import { login, runVuShare, type SyntheticUser } from './users.ts';
import { orderFrame, parseWsEvent } from './ws-messages.ts';

const drainAcksMs = 3000;
const maxReconnectAttempts = 50;

/** Runs this VU's share of the WebSocket users to the end of the run. */
export function wsUsers(
  config: Config,
  profile: TargetProfile,
  control: Control,
  runId: string,
): Promise<void> {
  return runVuShare('w', config.wsUsers, config, profile, control, (user, traffic) =>
    wsUser(user, config, profile, control, traffic, runId),
  );
}

async function wsUser(
  user: SyntheticUser,
  config: Config,
  profile: TargetProfile,
  control: Control,
  traffic: TrafficRecorder,
  runId: string,
): Promise<void> {
  const first = await login(profile, config, user, { phase: 'baseline' });
  if (!first.identity) {
    console.error(`login of ${user.name} failed: status ${first.res.status} ${first.res.error ?? ''}`.trim());
    return;
  }
  metrics.sessionsEstablished.add(1, { kind: 'ws' });
  await control.recordSession(user.name, first.identity.sessionId);

  let identity = first.identity;
  let persisted = true;
  const feed = new FeedTracker();
  const orders = new OrderTracker();
  let timeline: Timeline = await control.timeline(Date.now());
  let served = { pod: 'unknown', color: 'unknown' };
  let orderCount = 0;
  let attempt = 0;
  let stopping = false;
  let closedAt: number | null = null;
  const phase = (): Phase => phaseAt(Date.now(), timeline);
  const attribution = () => ({ phase: phase(), ...served });

  const baseWsUrl = config.wsUrl ?? `${config.baseUrl.replace(/^http/, 'ws')}${profile.websocket.path}`;

  await new Promise<void>((resolve) => {
    const connect = () => {
      const cursor = feed.cursor;
      const url =
        cursor === null
          ? baseWsUrl
          : `${baseWsUrl}${baseWsUrl.includes('?') ? '&' : '?'}${profile.websocket.resumeParam}=${encodeURIComponent(cursor)}`;
      const ws = new WebSocket(url, null, { jar: user.jar, tags: { phase: phase(), flow: 'ws' } });
      let opened = false;
      let greeted = false;
      let orderTimer: number | null = null;
      let watchTimer: number | null = null;
      const stopTimers = () => {
        if (orderTimer !== null) clearInterval(orderTimer);
        if (watchTimer !== null) clearInterval(watchTimer);
        orderTimer = watchTimer = null;
      };

      const sendOrder = (cid: string) => {
        if (ws.readyState === 1) ws.send(orderFrame(profile, cid));
      };

      ws.addEventListener('open', () => {
        opened = true;
        orderTimer = setInterval(() => {
          if (stopping || !greeted) return;
          const cid = `${runId}-w${user.number}-${++orderCount}`;
          orders.send(cid, Date.now());
          metrics.ordersSent.add(1);
          sendOrder(cid);
        }, config.orderIntervalMs);
        watchTimer = setInterval(() => {
          control.timeline(Date.now()).then((t) => {
            timeline = t;
            if (!stopping && isOver(Date.now(), timeline)) {
              stopping = true;
              const started = Date.now();
              const closeWhenAcked = setInterval(() => {
                if (orders.pendingCount === 0 || Date.now() - started > drainAcksMs) {
                  clearInterval(closeWhenAcked);
                  ws.close(1000, 'run over');
                }
              }, 100);
            }
          });
          traffic.flush(control);
        }, 1000);
      });

      ws.addEventListener('message', (e) => {
        const raw = (e as MessageEvent).data;
        const text = typeof raw === 'string' ? raw : '';
        const event = parseWsEvent(text, profile);
        const at = attribution();
        switch (event.kind) {
          case 'hello': {
            greeted = true;
            served = { pod: event.pod, color: event.color };
            if (event.user !== identity.user || event.sessionId !== identity.sessionId) {
              metrics.identityChanged.add(1, attribution());
              control.recordFailure('zd_identity_changed', attribution(), Date.now());
              persisted = false;
            }
            if (closedAt !== null) {
              metrics.reconnectMs.add(Date.now() - closedAt, attribution());
              closedAt = null;
              attempt = 0;
              for (const cid of orders.unacked()) sendOrder(cid);
              const probe = orders.resendProbe();
              if (probe) sendOrder(probe);
            }
            break;
          }
          case 'feed': {
            const seen = feed.observe(event.seq, event.cursor);
            metrics.msgsReceived.add(1, at);
            traffic.count(Date.now(), served.color);
            if (at.phase === 'rollout') metrics.rolloutPhaseSamples.add(1);
            if (event.ts !== null) metrics.feedLatencyMs.add(Date.now() - event.ts, at);
            if (seen.lost > 0) {
              metrics.msgsLost.add(seen.lost, at);
              control.recordFailure('zd_msgs_lost', at, Date.now());
            }
            if (seen.duplicate) {
              metrics.msgsDuplicated.add(1, at);
              control.recordFailure('zd_msgs_duplicated', at, Date.now());
            }
            break;
          }
          case 'ack': {
            const before = orders.appliedTwice;
            const latency = orders.ack(event.cid, event.duplicate, Date.now());
            if (latency !== null) metrics.orderAckMs.add(latency, at);
            if (orders.appliedTwice > before) {
              metrics.ordersAppliedTwice.add(1, at);
              control.recordFailure('zd_orders_applied_twice', at, Date.now());
            }
            break;
          }
          case 'invalid': {
            metrics.wsBadFrames.add(1, at);
            control.recordFailure('zd_ws_bad_frames', at, Date.now());
            break;
          }
          case 'other':
            break;
        }
      });

      ws.addEventListener('error', (e) => {
        if (!opened) {
          const reason = errorDetail((e as { error?: string }).error);
          console.warn(`WebSocket handshake of ${user.name} failed: ${reason}`);
          metrics.wsConnectErrors.add(1, attribution());
          control.recordFailure('zd_ws_connect_errors', attribution(), Date.now(), reason);
        }
      });

      const onClose = async (close: CloseEvent) => {
        stopTimers();
        const at = attribution();
        const kind = classifyClose(close.code, stopping, profile.websocket);
        if (kind === 'client') {
          resolve();
          return;
        }
        closedAt ??= Date.now();
        if (opened && kind === 'clean') metrics.wsCleanCloses.add(1, { ...at, code: String(close.code) });
        if (opened && kind === 'abnormal') {
          metrics.wsAbnormalCloses.add(1, { ...at, code: String(close.code ?? 'none') });
          control.recordFailure('zd_ws_abnormal_closes', at, Date.now(), closeDetail(close.code));
        }
        if (kind === 'unauthorized') {
          metrics.authLost.add(1, at);
          control.recordFailure('zd_auth_lost', at, Date.now(), closeDetail(close.code));
          persisted = false;
          const again = await login(profile, config, user, { phase: at.phase });
          if (again.identity) {
            metrics.relogins.add(1, at);
            identity = again.identity;
            await control.recordSession(user.name, identity.sessionId);
          }
        }
        attempt++;
        timeline = await control.timeline(Date.now());
        if (attempt > maxReconnectAttempts || isOver(Date.now(), timeline)) {
          resolve();
          return;
        }
        setTimeout(connect, backoffMs(attempt, Math.random()));
      };
      ws.addEventListener('close', (e) => onClose(e as unknown as CloseEvent));
    };
    connect();
  });

  if (orders.pendingCount > 0) metrics.ordersUnacked.add(orders.pendingCount, attribution());
  await control.recordOrders(orders.ackedIds());
  metrics.sessionPersisted.add(persisted ? 1 : 0);
  metrics.usersFinished.add(1, { kind: 'ws' });
}
