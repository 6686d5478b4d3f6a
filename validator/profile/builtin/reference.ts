/** The reference session service's profile (app/), built from the service's own protocol definitions. */
import { CloseCode } from '../../../app/src/close-codes.ts';
import type { AckMessage, FeedMessage, HelloMessage, OrderMessage } from '../../../app/src/protocol.ts';
import type { TargetProfile } from '../profile.ts';

/**
 * The protocol's own message types check field names and type values at compile time: renaming a field in
 * app/src/protocol.ts without updating this profile fails `make typecheck`. (Its runtime schemas stay
 * out of the k6 bundle: every VU would instantiate them.)
 */
const typeOf = <M extends { type: string }>(type: M['type']) => ({ type });
const field = <M>(name: keyof M & string) => name;

/** Where the reference service runs (k8s/base); the cluster tools deploy and repair it there. */
export const referenceKubernetes = {
  namespace: 'zerodrop',
  deployment: 'session-app',
  service: 'session-app',
  colorLabel: 'zerodrop.dev/color',
  container: 'app',
};

export const referenceProfile: TargetProfile = {
  name: 'reference',
  users: { prefix: 'zd-user-', password: 'zerodrop-synthetic' },
  http: {
    login: { path: '/login', body: { username: '{user}', password: '{password}' }, user: 'user' },
    identity: { path: '/api/me', user: 'user', sessionId: 'sessionId' },
    logout: { path: '/logout' },
    session: { cookie: 'zd_session', format: 'raw' },
    unauthorizedStatuses: [401],
    readiness: { path: '/readyz' },
    attribution: { pod: { header: 'X-Pod' }, color: { header: 'X-Color' }, version: { header: 'X-Version' } },
  },
  websocket: {
    path: '/ws',
    frames: {
      greeting: {
        match: typeOf<HelloMessage>('hello'),
        user: field<HelloMessage>('user'),
        sessionId: field<HelloMessage>('sessionId'),
        pod: field<HelloMessage>('pod'),
        color: field<HelloMessage>('color'),
      },
      feed: {
        match: typeOf<FeedMessage>('feed'),
        seq: field<FeedMessage>('seq'),
        publishedAt: field<FeedMessage>('ts'),
      },
      ack: {
        match: typeOf<AckMessage>('ack'),
        id: field<AckMessage>('cid'),
        status: field<AckMessage>('status'),
        applied: ['applied' satisfies AckMessage['status']],
        duplicate: ['duplicate' satisfies AckMessage['status']],
      },
    },
    resume: { query: { lastId: `{feed.${field<FeedMessage>('id')}}` } },
    order: {
      frame: {
        ...typeOf<OrderMessage>('order'),
        [field<OrderMessage>('cid')]: '{id}',
        [field<OrderMessage>('item')]: 'zd-widget',
        [field<OrderMessage>('qty')]: 1,
      },
    },
    cleanCloseCodes: [CloseCode.normal, CloseCode.goingAway, 1012],
    unauthorizedCloseCodes: [CloseCode.unauthorized],
  },
  redis: {
    // SESSION_TTL_SECONDS' default, sliding (app/src/sessions.ts).
    session: { key: 'zd:session:{sid}', type: 'json', userField: 'user', idleTimeout: '1h' },
    orders: { key: 'zd:orders:applied', type: 'count-hash' },
  },
  kubernetes: referenceKubernetes,
};
