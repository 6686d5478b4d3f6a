/** The reference session service's profile (app/), built from the service's own protocol definitions. */
import { CloseCode } from '../../app/src/close-codes.ts';
import type { AckMessage, FeedMessage, HelloMessage } from '../../app/src/protocol.ts';
import type { TargetProfile } from '../lib/profile.ts';

/**
 * The protocol's own message types check the field names at compile time: renaming a field in
 * app/src/protocol.ts without updating this profile fails `make typecheck`. (Its runtime schemas stay
 * out of the k6 bundle: every VU would instantiate them.)
 */
const fields =
  <M extends { type: string }>() =>
  <F extends { type: M['type'] } & Record<string, M['type'] | keyof M>>(mapping: F) =>
    mapping;

export const referenceProfile: TargetProfile = {
  name: 'reference',
  users: { prefix: 'zd-user-', password: 'zerodrop-synthetic' },
  http: {
    login: {
      path: '/login',
      body: { username: '{user}', password: '{password}' },
      user: 'user',
      sessionId: 'sessionId',
    },
    identity: { path: '/api/me', user: 'user', sessionId: 'sessionId' },
    logout: { path: '/logout' },
    sessionCookie: 'zd_session',
    unauthorizedStatuses: [401],
    attribution: { pod: 'X-Pod', color: 'X-Color', version: 'X-Version' },
  },
  websocket: {
    path: '/ws',
    resumeParam: 'lastId',
    typeField: 'type',
    hello: fields<HelloMessage>()({
      type: 'hello',
      user: 'user',
      sessionId: 'sessionId',
      pod: 'pod',
      color: 'color',
    }),
    feed: fields<FeedMessage>()({ type: 'feed', seq: 'seq', cursor: 'id', cid: 'cid', publishedAt: 'ts' }),
    ack: {
      ...fields<AckMessage>()({ type: 'ack', cid: 'cid', status: 'status' }),
      duplicateStatus: 'duplicate',
    },
    order: { type: 'order', cid: '{cid}', item: 'zd-widget', qty: 1 },
    cleanCloseCodes: [CloseCode.normal, CloseCode.goingAway, 1012],
    unauthorizedCloseCodes: [CloseCode.unauthorized],
  },
  redis: {
    sessionKey: 'zd:session:{sessionId}',
    sessionUserField: 'user',
    ordersAppliedHash: 'zd:orders:applied',
  },
  kubernetes: {
    namespace: 'zerodrop',
    deployment: 'session-app',
    service: 'session-app',
    colorLabel: 'zerodrop.dev/color',
    container: 'app',
  },
};
