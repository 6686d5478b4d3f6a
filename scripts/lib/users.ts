/**
 * Synthetic users: who they are (number, name, their own cookie jar — several share a VU), the profile's
 * login flow, and what every response says about who served it.
 */
import exec from 'k6/execution';
import http, { type CookieJar, type RefinedResponse, type ResponseType } from 'k6/http';
import { setTimeout } from 'k6/timers';
import type { Config } from './config.ts';
import { type Control, TrafficRecorder } from './control.ts';
import { idempotencyKey } from './idempotency.ts';
import { usersOfVu } from './packing.ts';
import { fill, pick, type TargetProfile } from './profile.ts';

export type Response = RefinedResponse<ResponseType | undefined>;

export interface SyntheticUser {
  /** 1-based within its kind; decides the shares it belongs to. */
  number: number;
  name: string;
  /** The user's own cookies: users sharing a VU must not share its jar. */
  jar: CookieJar;
}

export interface Identity {
  user: string;
  sessionId: string;
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

/**
 * Runs this VU's share of one kind of users (those of its scenario slot) concurrently to the end of the
 * run; they share one traffic recorder, flushed when all are done.
 */
export async function runVuShare(
  kind: 'h' | 'w',
  users: number,
  config: Config,
  profile: TargetProfile,
  control: Control,
  run: (user: SyntheticUser, traffic: TrafficRecorder) => Promise<void>,
): Promise<void> {
  const traffic = new TrafficRecorder();
  const numbers = usersOfVu(exec.scenario.iterationInTest, users, config.usersPerVu);
  await Promise.all(numbers.map((n) => run(syntheticUser(profile, config, kind, n), traffic)));
  await traffic.flush(control, true);
}

/** Waits without holding up the other users of the VU (k6's sleep() would block its whole event loop). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function servedBy(profile: TargetProfile, res: { headers: Record<string, string> }): Served {
  const header = (name: string) =>
    res.headers[name] ?? res.headers[name.toLowerCase()] ?? headerCaseless(res.headers, name);
  return {
    pod: header(profile.http.attribution.pod) ?? 'unknown',
    color: header(profile.http.attribution.color) ?? 'unknown',
  };
}

function headerCaseless(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function readIdentity(body: unknown, fields: { user: string; sessionId: string }): Identity | null {
  const user = pick(body, fields.user);
  const sessionId = pick(body, fields.sessionId);
  return typeof user === 'string' && typeof sessionId === 'string' ? { user, sessionId } : null;
}

export function jsonBody(res: Response): unknown {
  try {
    return typeof res.body === 'string' ? JSON.parse(res.body) : null;
  } catch {
    return null;
  }
}

export interface LoginResult {
  identity: Identity | null;
  res: Response;
}

/**
 * Logs in through the profile's login flow; the session cookie lands in the user's cookie jar. The
 * request carries an Idempotency-Key, so a kept-alive connection closing under it is met as a browser
 * meets it (idempotency.ts).
 */
export async function login(
  profile: TargetProfile,
  config: Config,
  user: SyntheticUser,
  tags: Record<string, string>,
): Promise<LoginResult> {
  const password = config.userPassword ?? profile.users.password;
  const body: Record<string, string> = {};
  for (const [key, template] of Object.entries(profile.http.login.body))
    body[key] = fill(template, { user: user.name, password });
  const res = await http.asyncRequest(
    'POST',
    `${config.baseUrl}${profile.http.login.path}`,
    JSON.stringify(body),
    {
      jar: user.jar,
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey() },
      tags: { ...tags, flow: 'login' },
    },
  );
  const identity = res.status === 200 ? readIdentity(jsonBody(res), profile.http.login) : null;
  return { identity, res };
}
