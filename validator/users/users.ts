/**
 * Synthetic users: who they are (number, name, their own cookie jar — several share a VU), the profile's
 * login flow, and what every response says about who served it.
 */
import exec from 'k6/execution';
import http, { type CookieJar, type RefinedResponse, type ResponseType } from 'k6/http';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import type { Adapter, HttpCall, HttpReply, LoginOutcome } from '../adapter/adapter.ts';
import { adapter } from '../adapter/user-adapter.ts';
import { fill, pick, type TargetProfile, type ValueSource } from '../profile/profile.ts';
import { type Control, type CountedInGo, TrafficRecorder } from '../run/control.ts';
import { LagMonitor, type MessageWaits } from '../run/lag.ts';
import { usersOfVu } from '../settings/packing.ts';
import type { Config } from '../settings/registry.ts';
import { responseHeader } from './headers.ts';
import { idempotencyKey } from './idempotency.ts';
import type { Identity, Seen } from './identity.ts';
import { sessionIdFromCookie } from './session-cookie.ts';

export type Response = RefinedResponse<ResponseType | undefined>;

export interface SyntheticUser {
  /** 1-based within its kind; decides the shares it belongs to. */
  number: number;
  name: string;
  /** The user's own cookies: users sharing a VU must not share its jar. */
  jar: CookieJar;
}

export interface Served {
  pod: string;
  color: string;
}

function syntheticUser(
  profile: TargetProfile,
  config: Config,
  kind: 'h' | 'w',
  number: number,
): SyntheticUser {
  return {
    number,
    name: `${config.userPrefix ?? profile.users.prefix}${kind}${number}`,
    jar: new http.CookieJar(),
  };
}

/** How often a VU reads the run's timeline again for its users, and flushes their traffic when due. */
const choresMs = 500;

/**
 * Runs this VU's share of one kind of users (those of its scenario slot) concurrently to the end of the
 * run; they share one traffic recorder, flushed when all are done, and one lag monitor. What Go counts
 * for them joins those: `counted`, the traffic of the responses or messages counted in Go; `waits`, the
 * waits of the messages counted in Go.
 * One timer does the VU's chores for its users: it takes the run's timeline again every `choresMs`
 * (another VU's reading when one is that recent, else from Redis: control.ts; the VUs' timers spread
 * over the interval, so that most find one), so a user's `freshTimeline()` finds it and goes on
 * without waiting for Redis, and flushes the traffic recorder when a flush is due, so no user awaits
 * one. Per user and second that was an async call, a promise and a resumption.
 */
export async function runVuShare(
  kind: 'h' | 'w',
  users: number,
  config: Config,
  profile: TargetProfile,
  control: Control,
  run: (user: SyntheticUser, traffic: TrafficRecorder, lag: LagMonitor) => Promise<void>,
  inGo: { counted?: CountedInGo | null; waits?: MessageWaits | null } = {},
): Promise<void> {
  const traffic = new TrafficRecorder(inGo.counted ?? null);
  const lag = new LagMonitor(inGo.waits ?? null);
  const numbers = usersOfVu(exec.scenario.iterationInTest, users, config.usersPerVu);
  let flushing: Promise<void> = Promise.resolve();
  const chore = () => {
    control.timeline(Date.now(), choresMs).catch(logChoreError);
    if (traffic.flushDue()) flushing = traffic.flush(control).catch(logChoreError);
  };
  const stopChores = choresEvery(choresMs, chore);
  try {
    await Promise.all(numbers.map((n) => run(syntheticUser(profile, config, kind, n), traffic, lag)));
  } finally {
    stopChores();
    lag.stop();
  }
  await flushing;
  await traffic.flush(control, true);
}

/**
 * Runs `chore` every `ms` from a random point of the first interval; the function returned stops it.
 * The VUs start together, and timers started together run together: each VU's chores start apart, so
 * that most find a reading of the timeline another VU took moments before (control.ts). The start is
 * not cleared but skipped once stopped (clearTimeout would be one more import in every VU's heap).
 */
export function choresEvery(ms: number, chore: () => void): () => void {
  let chores: ReturnType<typeof setInterval> | null = null;
  let stopped = false;
  setTimeout(() => {
    if (stopped) return;
    chores = setInterval(chore, ms);
    chore();
  }, Math.random() * ms);
  return () => {
    stopped = true;
    if (chores !== null) clearInterval(chores);
  };
}

function logChoreError(error: unknown): void {
  console.error(`VU chores: ${String(error)}`);
}

let unauthorizedCallback: ReturnType<typeof http.expectedStatuses> | null = null;

/**
 * The responseCallback of requests where an unauthorized answer is expected (bad-cookie probes, the
 * logged-out cookie, requests racing a logout, the pre-flight): those 401s are not failures in k6's own
 * http_req_failed, so dashboards show no errors on a passing run.
 */
export function unauthorizedExpected(profile: TargetProfile): ReturnType<typeof http.expectedStatuses> {
  unauthorizedCallback ??= http.expectedStatuses(
    { min: 200, max: 399 },
    ...profile.http.unauthorizedStatuses,
  );
  return unauthorizedCallback;
}

/** Waits without holding up the other users of the VU (k6's sleep() would block its whole event loop). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Who served a response: the profile's attribution headers or body fields; `unknown` without them. */
export function servedBy(profile: TargetProfile, res: Response, body?: unknown): Served {
  const attribution = profile.http.attribution;
  return { pod: servedField(res, body, attribution?.pod), color: servedField(res, body, attribution?.color) };
}

function servedField(res: Response, body: unknown, source: ValueSource | undefined): string {
  if (!source) return 'unknown';
  if (source.header !== undefined) return responseHeader(res.headers, source.header) ?? 'unknown';
  const value = pick(body === undefined ? jsonBody(res) : body, source.body as string);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : 'unknown';
}

/** The session id in the user's session cookie, decoded by the profile's cookie format. */
export function cookieSid(profile: TargetProfile, config: Config, user: SyntheticUser): string | null {
  const value = user.jar.cookiesForURL(config.baseUrl)[profile.http.session.cookie]?.[0];
  return value === undefined ? null : sessionIdFromCookie(value, profile.http.session.format);
}

/** True when the response set cookies (the session cookie may have changed). */
export function setsCookies(res: Response): boolean {
  return responseHeader(res.headers, 'Set-Cookie') !== undefined;
}

/** A field of a response body as text; null when it is missing or not a string or number. */
export function textAt(body: unknown, path: string | undefined): string | null {
  if (path === undefined) return null;
  const value = pick(body, path);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

export function jsonBody(res: Response): unknown {
  try {
    return typeof res.body === 'string' ? JSON.parse(res.body) : null;
  } catch {
    return null;
  }
}

/**
 * What an identity response names: read by the adapter's identity hook, or at the profile's paths. An
 * adapter that throws names nobody (an identity change, with the error logged).
 */
export function identitySeen(profile: TargetProfile, res: Response, body: unknown): Seen {
  if (adapter.identity) {
    try {
      const seen = adapter.identity(replyOf(res));
      return {
        user: seen.user ?? null,
        ...(seen.sessionId === undefined ? {} : { sessionId: seen.sessionId }),
      };
    } catch (error) {
      console.error(`the adapter's identity threw ${String(error)}`);
      return { user: null };
    }
  }
  const spec = profile.http.identity;
  return {
    user: textAt(body, spec.user),
    ...(spec.sessionId === undefined ? {} : { sessionId: textAt(body, spec.sessionId) }),
  };
}

export interface LoginResult {
  identity: Identity | null;
  /** The login's (last) response; null when an adapter's login sent none. */
  res: Response | null;
  /** Why an adapter's login failed. */
  reason?: string;
}

/** A response as an adapter reads it (adapter.ts). */
export function replyOf(res: Response): HttpReply {
  return {
    status: res.status,
    headers: res.headers,
    body: typeof res.body === 'string' ? res.body : null,
    error: res.error || null,
  };
}

/** The login through the adapter's hook: its requests go out with the user's jar, like the profile's. */
async function adapterLogin(
  login: NonNullable<Adapter['login']>,
  profile: TargetProfile,
  config: Config,
  user: SyntheticUser,
  password: string,
  tags: Record<string, string>,
): Promise<LoginResult> {
  let res: Response | null = null;
  const send = async (call: HttpCall): Promise<HttpReply> => {
    const retryable: Record<string, string> =
      call.method === 'GET' ? {} : { 'Idempotency-Key': idempotencyKey() };
    res = await http.asyncRequest(call.method, `${config.baseUrl}${call.path}`, call.body ?? null, {
      jar: user.jar,
      headers: { ...retryable, ...call.headers },
      tags: { ...tags, flow: 'login' },
    });
    return replyOf(res);
  };
  let outcome: LoginOutcome;
  try {
    outcome = await login({ user: user.name, password, send });
  } catch (error) {
    outcome = { ok: false, reason: `the adapter's login threw ${String(error)}` };
  }
  if (!outcome.ok) return { identity: null, res, reason: outcome.reason };
  return { identity: { user: outcome.user, sessionId: null, sid: cookieSid(profile, config, user) }, res };
}

/** A login's failure as one line: the adapter's reason, or the response's status and error. */
export function loginFailure({ res, reason }: LoginResult): string {
  if (reason !== undefined) return reason;
  return res ? `status ${res.status} ${res.error ?? ''}`.trim() : 'no response';
}

/**
 * Logs in through the profile's login flow; the session cookie lands in the user's cookie jar. A 2xx
 * answer (naming the user where the profile says where) is a login. The request carries an
 * Idempotency-Key, so a kept-alive connection closing under it is met as a browser meets it
 * (idempotency.ts).
 */
export async function login(
  profile: TargetProfile,
  config: Config,
  user: SyntheticUser,
  tags: Record<string, string>,
): Promise<LoginResult> {
  const password = config.userPassword ?? profile.users.password;
  if (adapter.login) return adapterLogin(adapter.login, profile, config, user, password, tags);
  const spec = profile.http.login as NonNullable<TargetProfile['http']['login']>;
  const body: Record<string, string> = {};
  for (const [key, template] of Object.entries(spec.body))
    body[key] = fill(template, { user: user.name, password });
  const res = await http.asyncRequest(
    spec.method ?? 'POST',
    `${config.baseUrl}${spec.path}`,
    JSON.stringify(body),
    {
      jar: user.jar,
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey() },
      tags: { ...tags, flow: 'login' },
    },
  );
  if (res.status < 200 || res.status > 299) return { identity: null, res };
  const named = textAt(jsonBody(res), spec.user);
  if (spec.user !== undefined && named === null) return { identity: null, res };
  return { identity: { user: named, sessionId: null, sid: cookieSid(profile, config, user) }, res };
}
