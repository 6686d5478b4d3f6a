/**
 * The http_users flow: log in once, then send authenticated identity requests at the configured pace
 * until the run ends, checking on every response that the identity is unchanged. Some users open a new
 * connection per request, some also send bad-cookie probes (a clean 401 expected), some log out and back
 * in during the rollout with concurrent requests in flight (the check-then-act race of seed 000).
 */

import { sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import type { Config } from './config.ts';
import { type Control, TrafficRecorder } from './control.ts';
import { metrics } from './metrics.ts';
import { isOver, type Phase, phaseAt } from './phase.ts';
import type { TargetProfile } from './profile.ts';
import { inShare } from './shares.ts';
import { type Identity, jsonBody, login, readIdentity, servedBy, userName } from './users.ts';

/** Cookie values that must get a clean 401: empty, malformed, unknown, hostile. */
const badCookies = ['', 'not-a-session', 'A'.repeat(43), '%00%ff', '"; DROP', 'x'.repeat(4096)];

type Response = RefinedResponse<ResponseType | undefined>;

interface UserState {
  identity: Identity;
  persisted: boolean;
}

export async function httpUser(config: Config, profile: TargetProfile, control: Control): Promise<void> {
  const vu = exec.vu.idInTest;
  const user = userName(profile, config, 'h', vu);
  const newConnection = inShare(vu, config.newConnectionShare);
  const probes = inShare(vu, config.negativeAuthShare, 37);
  const logsOut = inShare(vu, config.logoutShare, 71);
  const traffic = new TrafficRecorder();
  const identityUrl = `${config.baseUrl}${profile.http.identity.path}`;

  const state = await establish(config, profile, control, user, 'baseline');
  if (!state) return;
  let iteration = 0;
  let timeline = await control.timeline(Date.now());
  while (!isOver(Date.now(), timeline)) {
    iteration++;
    const phase = phaseAt(Date.now(), timeline);
    const res = http.get(identityUrl, {
      headers: newConnection ? { Connection: 'close' } : {},
      tags: { phase, flow: 'identity', connection: newConnection ? 'new' : 'reused' },
    });
    await checkIdentity(res, state, phase, config, profile, control, traffic);
    if (probes) await probe(identityUrl, phase, profile, control);
    if (logsOut && phase === 'rollout' && iteration % 5 === 0) {
      await logoutAndBack(state, phase, config, profile, control, user);
    }
    await traffic.flush(control);
    sleep((config.httpPaceMs / 1000) * (0.5 + Math.random()));
    timeline = await control.timeline(Date.now());
  }
  await traffic.flush(control, true);
  metrics.sessionPersisted.add(state.persisted ? 1 : 0);
  metrics.usersFinished.add(1, { kind: 'http' });
}

async function establish(
  config: Config,
  profile: TargetProfile,
  control: Control,
  user: string,
  phase: Phase,
): Promise<UserState | null> {
  const { identity, res } = login(profile, config, user, { phase });
  if (!identity) {
    console.error(`login of ${user} failed: status ${res.status} ${res.error ?? ''}`.trim());
    await countHttpFailure(res, phase, profile, control);
    return null;
  }
  metrics.sessionsEstablished.add(1, { kind: 'http' });
  await control.recordSession(user, identity.sessionId);
  return { identity, persisted: true };
}

async function checkIdentity(
  res: Response,
  state: UserState,
  phase: Phase,
  config: Config,
  profile: TargetProfile,
  control: Control,
  traffic: TrafficRecorder,
): Promise<void> {
  const served = servedBy(profile, res);
  const tags = { phase, ...served };
  metrics.requests.add(1, { ...tags, status: String(res.status) });
  traffic.count(Date.now(), served.color);
  if (phase === 'rollout') metrics.rolloutPhaseSamples.add(1);

  if (profile.http.unauthorizedStatuses.includes(res.status)) {
    metrics.authLost.add(1, tags);
    await control.recordFailure('zd_auth_lost', tags, Date.now());
    state.persisted = false;
    const again = login(profile, config, state.identity.user, { phase });
    if (again.identity) {
      metrics.relogins.add(1, tags);
      state.identity = again.identity;
      await control.recordSession(again.identity.user, again.identity.sessionId);
    }
    return;
  }
  if (res.status !== 200) {
    await countHttpFailure(res, phase, profile, control);
    return;
  }
  const seen = readIdentity(jsonBody(res), profile.http.identity);
  if (!seen || seen.user !== state.identity.user || seen.sessionId !== state.identity.sessionId) {
    metrics.identityChanged.add(1, tags);
    await control.recordFailure('zd_identity_changed', tags, Date.now());
    state.persisted = false;
  }
}

/** 5xx and connection errors (status 0), attributed to who served them when known. */
async function countHttpFailure(
  res: Response,
  phase: Phase,
  profile: TargetProfile,
  control: Control,
): Promise<void> {
  const tags = { phase, ...servedBy(profile, res) };
  if (res.status === 0) {
    metrics.httpConnErrors.add(1, { ...tags, error_code: String(res.error_code) });
    await control.recordFailure('zd_http_conn_errors', tags, Date.now());
  } else if (res.status >= 500) {
    metrics.http5xx.add(1, { ...tags, status: String(res.status) });
    await control.recordFailure('zd_http_5xx', tags, Date.now());
  }
}

async function probe(url: string, phase: Phase, profile: TargetProfile, control: Control): Promise<void> {
  const value = badCookies[Math.floor(Math.random() * badCookies.length)] as string;
  const res = http.get(url, {
    jar: new http.CookieJar(),
    headers: { Cookie: `${profile.http.sessionCookie}=${value}` },
    tags: { phase, flow: 'negative_auth' },
  });
  if (res.status === 0) return countHttpFailure(res, phase, profile, control);
  if (!profile.http.unauthorizedStatuses.includes(res.status)) {
    const tags = { phase, ...servedBy(profile, res) };
    metrics.negativeAuthWrong.add(1, { ...tags, status: String(res.status) });
    await control.recordFailure('zd_negative_auth_wrong', tags, Date.now());
  }
}

/**
 * Logs out with identity requests racing the logout, checks the old session is dead, logs back in.
 * An intentional logout does not count against the persistence score.
 */
async function logoutAndBack(
  state: UserState,
  phase: Phase,
  config: Config,
  profile: TargetProfile,
  control: Control,
  user: string,
): Promise<void> {
  const old = state.identity;
  const oldCookie = http.cookieJar().cookiesForURL(config.baseUrl)[profile.http.sessionCookie]?.[0];
  const identity = {
    method: 'GET',
    url: `${config.baseUrl}${profile.http.identity.path}`,
    params: { tags: { phase, flow: 'race' } },
  };
  const responses = http.batch([
    identity,
    {
      method: 'POST',
      url: `${config.baseUrl}${profile.http.logout.path}`,
      params: { tags: { phase, flow: 'logout' } },
    },
    identity,
    identity,
  ]);
  for (const res of responses)
    if (res.status === 0 || res.status >= 500) await countHttpFailure(res, phase, profile, control);
  await control.recordLogout(old.sessionId);

  const jar = new http.CookieJar();
  if (oldCookie) jar.set(config.baseUrl, profile.http.sessionCookie, oldCookie);
  const after = http.get(`${config.baseUrl}${profile.http.identity.path}`, {
    jar,
    tags: { phase, flow: 'after_logout' },
  });
  if (oldCookie && after.status === 200) {
    const tags = { phase, ...servedBy(profile, after) };
    metrics.logoutIneffective.add(1, tags);
    await control.recordFailure('zd_logout_ineffective', tags, Date.now());
  }
  const again = login(profile, config, user, { phase });
  if (!again.identity) {
    await countHttpFailure(again.res, phase, profile, control);
    state.persisted = false;
    return;
  }
  state.identity = again.identity;
  await control.recordSession(user, again.identity.sessionId);
}
