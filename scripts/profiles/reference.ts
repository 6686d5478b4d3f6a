/** The reference session service's profile (app/), built from the service's own protocol definitions. */
import { CloseCode, parseServerMessage } from '../../app/src/protocol.ts';
import type { TargetProfile } from '../lib/profile.ts';

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
    hello: { type: 'hello', user: 'user', sessionId: 'sessionId', pod: 'pod', color: 'color' },
    feed: { type: 'feed', seq: 'seq', cursor: 'id', cid: 'cid', publishedAt: 'ts' },
    ack: { type: 'ack', cid: 'cid', status: 'status', duplicateStatus: 'duplicate' },
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

/** Strict frame validation with the service's own schema: a frame it rejects is a protocol violation. */
export function isReferenceFrame(raw: string): boolean {
  return parseServerMessage(raw) !== null;
}
