/** Synthetic users: names, the share each VU belongs to, and the profile's HTTP flows. */
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import type { Config } from './config.ts';
import { fill, pick, type TargetProfile } from './profile.ts';

export interface Identity {
  user: string;
  sessionId: string;
}

export interface Served {
  pod: string;
  color: string;
}

export function userName(profile: TargetProfile, config: Config, kind: 'h' | 'w', vuIndex: number): string {
  return `${config.userPrefix ?? profile.users.prefix}${kind}${vuIndex}`;
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

export function jsonBody(res: RefinedResponse<ResponseType | undefined>): unknown {
  try {
    return typeof res.body === 'string' ? JSON.parse(res.body) : null;
  } catch {
    return null;
  }
}

export interface LoginResult {
  identity: Identity | null;
  res: RefinedResponse<ResponseType | undefined>;
}

/** Logs in through the profile's login flow; the session cookie lands in the VU's cookie jar. */
export function login(
  profile: TargetProfile,
  config: Config,
  user: string,
  tags: Record<string, string>,
): LoginResult {
  const password = config.userPassword ?? profile.users.password;
  const body: Record<string, string> = {};
  for (const [key, template] of Object.entries(profile.http.login.body))
    body[key] = fill(template, { user, password });
  const res = http.post(`${config.baseUrl}${profile.http.login.path}`, JSON.stringify(body), {
    headers: { 'Content-Type': 'application/json' },
    tags: { ...tags, flow: 'login' },
  });
  const identity = res.status === 200 ? readIdentity(jsonBody(res), profile.http.login) : null;
  return { identity, res };
}
