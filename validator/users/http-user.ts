/**
 * The http_users flow: each user logs in once, then sends authenticated identity requests at the
 * configured pace until the run ends, checking on every response that the identity is unchanged. Some
 * users open a new connection per request, some also send bad-cookie probes (a clean 401 expected), some
 * log out and back in during the rollout with concurrent requests in flight (the check-then-act race of
 * seed 000). A VU runs its users concurrently (non-blocking requests, each user with its own cookie jar).
 */

import http from 'k6/http';
import type { IdentityChecker } from 'k6/x/zerodrop';
import { adapter } from '../adapter/user-adapter.ts';
import type { TargetProfile } from '../profile/profile.ts';
import type { Control, TrafficRecorder } from '../run/control.ts';
import { isOver, type Phase, phaseAt } from '../run/phase.ts';
import type { Config } from '../settings/registry.ts';
import type { MetricName } from '../verdict/catalog.ts';
import { failedAt, httpFailureDetail, httpRefusedBy } from '../verdict/failure-detail.ts';
import { fail } from '../verdict/failures.ts';
import { metrics } from '../verdict/metrics.ts';
import { idempotencyKey } from './idempotency.ts';
import { compareIdentity, type Identity } from './identity.ts';
import { inShare } from './shares.ts';
import {
  cookieSid,
  identitySeen,
  jsonBody,
  login,
  loginFailure,
  pause,
  type Response,
  runVuShare,
  type Served,
  type SyntheticUser,
  servedBy,
  setsCookies,
  unauthorizedExpected,
} from './users.ts';

/**
 * Cookie values that must get a clean 401: empty, malformed, unknown, hostile. Built when one is sent,
 * not held: the 4 KB one would otherwise sit in every VU.
 */
const badCookieCount = 6;
function badCookie(index: number): string {
  return ['', 'not-a-session', 'A'.repeat(43), '%00%ff', '"; DROP', 'x'.repeat(4096)][index] as string;
}

interface UserState {
  identity: Identity;
  persisted: boolean;
  /** When the session last answered an authenticated request (the lifetime audit's reference). */
  activeAt: number;
}

/** What one HTTP user's steps work with. */
interface HttpUser {
  user: SyntheticUser;
  config: Config;
  profile: TargetProfile;
  control: Control;
  traffic: TrafficRecorder;
  /** Checks and records the expected identity responses in Go; null: checkIdentity does it all. */
  checker: IdentityChecker | null;
}

/**
 * Runs this VU's share of the HTTP users to the end of the run. `Checker`, k6/x/zerodrop's
 * IdentityChecker where the entry's k6 has zerodrop's extension (not on Grafana Cloud load zones),
 * checks and records the expected identity responses in Go (not where an adapter reads the identity).
 */
export function httpUsers(
  config: Config,
  profile: TargetProfile,
  control: Control,
  Checker?: typeof IdentityChecker,
): Promise<void> {
  const checker =
    Checker && !adapter.identity
      ? new Checker(profile.http, {
          requestsMetric: 'zd_requests' satisfies MetricName,
          rolloutMetric: 'zd_rollout_phase_samples' satisfies MetricName,
        })
      : null;
  return runVuShare(
    'h',
    config.httpUsers,
    config,
    profile,
    control,
    (user, traffic) => httpUser({ user, config, profile, control, traffic, checker }),
    { counted: checker && { kind: 'http', traffic: checker } },
  );
}

async function httpUser(u: HttpUser): Promise<void> {
  const { user, config, profile, control, checker } = u;
  const newConnection = inShare(user.number, config.newConnectionShare);
  const probes = inShare(user.number, config.negativeAuthShare, 37);
  const logsOut = profile.http.logout !== undefined && inShare(user.number, config.logoutShare, 71);
  const identityUrl = `${config.baseUrl}${profile.http.identity.path}`;

  const state = await establish(u, 'baseline');
  if (!state) return;
  let iteration = 0;
  let timeline = await control.timeline(Date.now());
  // One request's options per phase, reused: k6 reads them on every call, a user sends the same ones.
  let params = requestParams(user, newConnection, 'baseline');
  // The common path awaits only the request and the pause: every other await costs a promise and a
  // resumption in k6's runtime, per request.
  while (!isOver(Date.now(), timeline)) {
    iteration++;
    const phase = phaseAt(Date.now(), timeline);
    if (params.tags.phase !== phase) params = requestParams(user, newConnection, phase);
    const sentAt = Date.now();
    const res = await http.asyncRequest('GET', identityUrl, null, params);
    const { user: name, sessionId } = state.identity;
    if (checker?.check(res, phase, sentAt, name, sessionId)) state.activeAt = Date.now();
    else {
      const failing = checkIdentity(u, res, state, phase, sentAt);
      if (failing) await failing;
    }
    if (probes) await probe(identityUrl, phase, profile, control);
    if (logsOut && phase === 'rollout' && iteration % 5 === 0) await logoutAndBack(u, state, phase);
    await pause(config.httpPaceMs * (0.5 + Math.random()));
    timeline = control.freshTimeline(Date.now()) ?? (await control.timeline(Date.now()));
  }
  metrics.zd_session_persisted.add(state.persisted ? 1 : 0);
  await control.recordActivity(user.name, state.activeAt);
  metrics.zd_users_finished.add(1, { kind: 'http' });
}

function requestParams(user: SyntheticUser, newConnection: boolean, phase: Phase) {
  const headers: Record<string, string> = newConnection ? { Connection: 'close' } : {};
  return {
    jar: user.jar,
    headers,
    tags: { phase, flow: 'identity', connection: newConnection ? 'new' : 'reused' },
  };
}

async function establish(u: HttpUser, phase: Phase): Promise<UserState | null> {
  const { user, config, profile, control } = u;
  const result = await login(profile, config, user, { phase });
  const { identity, res } = result;
  if (!identity) {
    console.error(`login of ${user.name} failed: ${loginFailure(result)}`);
    if (res) await countHttpFailure(res, phase, profile, control);
    return null;
  }
  metrics.zd_sessions_established.add(1, { kind: 'http' });
  await recordSession(u, identity);
  return { identity, persisted: true, activeAt: Date.now() };
}

/**
 * Checks one identity response. Synchronous where the response is as expected (nearly always); what a
 * failure needs (recording it, logging in again) is returned as a promise to await.
 */
function checkIdentity(
  u: HttpUser,
  res: Response,
  state: UserState,
  phase: Phase,
  /** When the request went out: its response is timed from it (its VU may get to the answer late). */
  sentAt: number,
): Promise<void> | null {
  const { user, config, profile, control, traffic } = u;
  const body = jsonBody(res);
  const served = servedBy(profile, res, body);
  metrics.zd_requests.add(1, { phase, pod: served.pod, color: served.color, status: String(res.status) });
  traffic.served('http', served, res.status === 0 ? null : res.timings.duration);
  // Readiness on drain: when the pod accepted the connection (k6 timed a TCP connect: a new one) and
  // answered, from when the request went out.
  const t = res.timings;
  const acceptedAt = sentAt + t.blocked + t.connecting + t.tls_handshaking;
  traffic.podServed(served.pod, acceptedAt + t.sending + t.waiting, t.connecting > 0 ? acceptedAt : null);
  if (phase === 'rollout') metrics.zd_rollout_phase_samples.add(1);

  if (profile.http.unauthorizedStatuses.includes(res.status)) return relogin(u, res, state, phase, served);
  if (res.status < 200 || res.status > 299) return countHttpFailure(res, phase, profile, control, body);
  const spec = profile.http.identity;
  const seen = identitySeen(profile, res, body);
  if (setsCookies(res)) seen.sid = cookieSid(profile, config, user);
  const { identity, change } = compareIdentity(state.identity, seen, `GET ${spec.path}`);
  state.identity = identity;
  state.activeAt = Date.now();
  if (change === null) return null;
  state.persisted = false;
  return fail(control, 'zd_identity_changed', { phase, ...served }, change);
}

/** An identity request answered as unauthenticated: the session was lost; the user logs in again. */
async function relogin(u: HttpUser, res: Response, state: UserState, phase: Phase, served: Served) {
  const { user, config, profile, control } = u;
  const tags = { phase, ...served };
  await fail(control, 'zd_auth_lost', tags, httpFailureDetail(res));
  state.persisted = false;
  const again = await login(profile, config, user, { phase });
  if (again.identity) {
    metrics.zd_relogins.add(1, tags);
    state.identity = again.identity;
    state.activeAt = Date.now();
    await recordSession(u, again.identity);
  }
}

/** Records the session for the audit (only where the store key can be derived from the cookie). */
async function recordSession({ user, control }: HttpUser, identity: Identity): Promise<void> {
  if (identity.sid !== null) await control.recordSession(user.name, identity.sid);
}

/**
 * 5xx and connection errors (status 0), attributed to who served them when known, and a connection
 * never made to the address that refused it.
 */
async function countHttpFailure(
  res: Response,
  phase: Phase,
  profile: TargetProfile,
  control: Control,
  body?: unknown,
): Promise<void> {
  const tags = { phase, ...failedAt(servedBy(profile, res, body), httpRefusedBy(res)) };
  if (res.status === 0) {
    await fail(control, 'zd_http_conn_errors', tags, httpFailureDetail(res), {
      tags: { error_code: String(res.error_code) },
    });
  } else if (res.status >= 500) {
    await fail(control, 'zd_http_5xx', tags, httpFailureDetail(res), {
      tags: { status: String(res.status) },
    });
  }
}

async function probe(url: string, phase: Phase, profile: TargetProfile, control: Control): Promise<void> {
  const value = badCookie(Math.floor(Math.random() * badCookieCount));
  metrics.zd_negative_auth_probes.add(1);
  const res = await http.asyncRequest('GET', url, null, {
    jar: new http.CookieJar(),
    headers: { Cookie: `${profile.http.session.cookie}=${value}` },
    responseCallback: unauthorizedExpected(profile),
    tags: { phase, flow: 'negative_auth' },
  });
  if (res.status === 0) return countHttpFailure(res, phase, profile, control);
  if (!profile.http.unauthorizedStatuses.includes(res.status)) {
    const tags = { phase, ...servedBy(profile, res) };
    await fail(control, 'zd_negative_auth_wrong', tags, httpFailureDetail(res), {
      tags: { status: String(res.status) },
    });
  }
}

/**
 * Logs out with identity requests racing the logout, checks the old session is dead, logs back in.
 * An intentional logout does not count against the persistence score.
 */
async function logoutAndBack(u: HttpUser, state: UserState, phase: Phase): Promise<void> {
  const { user, config, profile, control } = u;
  const logout = profile.http.logout;
  if (!logout) return;
  const old = state.identity;
  const cookie = profile.http.session.cookie;
  const oldCookie = user.jar.cookiesForURL(config.baseUrl)[cookie]?.[0];
  const identityUrl = `${config.baseUrl}${profile.http.identity.path}`;
  const identity = () =>
    http.asyncRequest('GET', identityUrl, null, {
      jar: user.jar,
      tags: { phase, flow: 'race' },
      responseCallback: unauthorizedExpected(profile),
    });
  // One identity request goes out before the logout, the others after it.
  const racesBefore = config.logoutRaces > 0 ? [identity()] : [];
  const logoutRequest = http.asyncRequest(logout.method ?? 'POST', `${config.baseUrl}${logout.path}`, null, {
    jar: user.jar,
    headers: { 'Idempotency-Key': idempotencyKey() },
    tags: { phase, flow: 'logout' },
  });
  const racesAfter = Array.from({ length: Math.max(0, config.logoutRaces - 1) }, identity);
  const responses = await Promise.all([...racesBefore, logoutRequest, ...racesAfter]);
  for (const res of responses)
    if (res.status === 0 || res.status >= 500) await countHttpFailure(res, phase, profile, control);
  // A logout that did not go through (counted above) leaves the session valid: nothing to check.
  const logoutResponse = await logoutRequest;
  if (logoutResponse.status === 0 || logoutResponse.status >= 500) return;
  metrics.zd_logouts.add(1);
  if (old.sid !== null) await control.recordLogout(old.sid);

  const jar = new http.CookieJar();
  if (oldCookie) jar.set(config.baseUrl, cookie, oldCookie);
  const after = await http.asyncRequest('GET', identityUrl, null, {
    jar,
    responseCallback: unauthorizedExpected(profile),
    tags: { phase, flow: 'after_logout' },
  });
  if (oldCookie && after.status >= 200 && after.status <= 299) {
    const tags = { phase, ...servedBy(profile, after) };
    await fail(
      control,
      'zd_logout_ineffective',
      tags,
      `GET ${profile.http.identity.path} with the logged-out cookie: status ${after.status}`,
    );
  }
  const again = await login(profile, config, user, { phase });
  if (!again.identity) {
    if (again.res) await countHttpFailure(again.res, phase, profile, control);
    state.persisted = false;
    return;
  }
  state.identity = again.identity;
  state.activeAt = Date.now();
  await recordSession(u, again.identity);
}
