/**
 * The end-of-run audit of the session store through xk6-redis, over the sessions this run created only
 * (a shared store holds other users' keys): every live synthetic session still exists with the right
 * type (and user, where the profile names the field), none holds a null or empty value (the CAS race of
 * seed 000), no logged-out session survived, every acked order was applied exactly once. What the
 * profile gives no key for is not checked (invariants.ts leaves those thresholds out). A finding names
 * the user and a short hash of the session id (identity.ts `sessionRef`), never the id itself. Once read,
 * the run keys expire as soon as the reports no longer need them.
 */

import { sha256 } from 'k6/crypto';
import { fill, type TargetProfile } from '../profile/profile.ts';
import { orNull, type RunControl } from '../run/control.ts';
import { reportKeysTtlSeconds } from '../settings/options.ts';
import { sessionRef } from '../users/identity.ts';
import {
  judgeSession,
  parseOrderEntry,
  type SessionSpec,
  type StoredSession,
  timesApplied,
} from './audit-rules.ts';
import { describeShort, idleTimeoutMs, judgeLifetime } from './lifetime.ts';
import { metrics } from './metrics.ts';

export interface AuditCounts {
  sessions: number;
  missing: number;
  nullValues: number;
  loggedOutAlive: number;
  orders: number;
  ordersNotOnce: number;
  logouts: number;
  /** Sessions whose lifetime was judged (a declared idle timeout and a recorded last activity). */
  ttls: number;
  ttlShort: number;
}

type Client = RunControl['client'];

/**
 * A session key's Redis type and value (the profile check reads it too). `expected`, the type the
 * profile's session is stored as, is asked for at once (a missing key reads as none: Redis keeps no
 * empty hash): one command a session where TYPE and a read were two. Any other type is found by TYPE.
 */
export async function readSession(
  redis: Client,
  key: string,
  expected?: 'string' | 'hash',
): Promise<StoredSession> {
  try {
    if (expected === 'string') {
      const value = await orNull(redis.get(key));
      return value === null ? { type: 'none' } : { type: 'string', value };
    }
    if (expected === 'hash') {
      const fields = await redis.hgetall(key);
      return Object.keys(fields).length === 0 ? { type: 'none' } : { type: 'hash', fields };
    }
  } catch (error) {
    if (!String(error).includes('WRONGTYPE')) throw error;
  }
  const type = String(await redis.sendCommand('TYPE', key));
  if (type === 'none') return { type: 'none' };
  if (type === 'string') return { type: 'string', value: (await orNull(redis.get(key))) ?? '' };
  if (type === 'hash') return { type: 'hash', fields: await redis.hgetall(key) };
  return { type: 'other', name: type };
}

/** The Redis type a session of this kind is stored as; undefined where the profile does not say. */
function storedAs(spec: SessionSpec): 'string' | 'hash' | undefined {
  if (spec.type === 'json') return 'string';
  return spec.type === 'hash' ? 'hash' : undefined;
}

export async function auditStore(profile: TargetProfile, control: RunControl): Promise<AuditCounts> {
  const counts: AuditCounts = {
    sessions: 0,
    missing: 0,
    nullValues: 0,
    loggedOutAlive: 0,
    orders: 0,
    ordersNotOnce: 0,
    logouts: 0,
    ttls: 0,
    ttlShort: 0,
  };
  const session = profile.redis?.session;
  if (session) await auditSessions(control, session, counts);
  const orders = profile.redis?.orders;
  if (orders) await auditOrders(control, orders, counts);

  const at = { phase: 'audit', pod: 'store', color: 'store' };
  metrics.zd_audit_sessions_missing.add(counts.missing, at);
  metrics.zd_audit_null_values.add(counts.nullValues, at);
  metrics.zd_audit_logged_out_alive.add(counts.loggedOutAlive, at);
  metrics.zd_audit_orders_not_once.add(counts.ordersNotOnce, at);
  metrics.zd_audit_session_ttl_short.add(counts.ttlShort, at);
  metrics.zd_audit_sessions.add(counts.sessions);
  metrics.zd_audit_logouts.add(counts.logouts);
  metrics.zd_audit_orders.add(counts.orders);
  metrics.zd_audit_session_ttls.add(counts.ttls);
  metrics.zd_audit_runs.add(1);
  await control.expireAll(reportKeysTtlSeconds);
  return counts;
}

async function auditSessions(
  control: RunControl,
  spec: SessionSpec & { key: string; idleTimeout?: string },
  counts: AuditCounts,
): Promise<void> {
  const redis = control.client;
  const keyOf = (sid: string) => fill(spec.key, { sid });
  const sessions = await redis.hgetall(control.key('sessions'));
  const idleMs = idleTimeoutMs(spec.idleTimeout);
  const activity = idleMs === null ? {} : await redis.hgetall(control.key('activity'));
  for (const [user, sid] of Object.entries(sessions)) {
    counts.sessions++;
    const finding = judgeSession(await readSession(redis, keyOf(sid), storedAs(spec)), user, spec);
    if (finding === 'null-value') counts.nullValues++;
    else if (finding !== 'ok') counts.missing++;
    if (finding !== 'ok') console.warn(`audit: session ${ref(sid)} of ${user} is ${finding}`);
    const activeAt = Number(activity[user]);
    if (idleMs !== null && finding === 'ok' && activeAt > 0)
      await auditLifetime(redis, { key: keyOf(sid), user, sid }, { idleMs, activeAt }, spec, counts);
  }
  if (counts.ttlShort > shownShort)
    console.warn(`audit: … ${counts.ttlShort - shownShort} more sessions would expire early`);
  const live = new Set(Object.values(sessions));
  for (const sid of await redis.smembers(control.key('logged-out'))) {
    if (live.has(sid)) continue;
    counts.logouts++;
    const stored = await readSession(redis, keyOf(sid), storedAs(spec));
    if (stored.type === 'none') continue;
    counts.loggedOutAlive++;
    if (judgeSession(stored, '', { type: 'opaque' }) === 'null-value') counts.nullValues++;
    console.warn(`audit: logged-out session ${ref(sid)} of this run is still in the store (${stored.type})`);
  }
}

/** A session as the audit's lines name it: `#` and the first 8 hex digits of its id's SHA-256. */
const ref = (sid: string) => sessionRef(sid, (text) => sha256(text, 'hex'));

/** Sessions that would expire early named one by one; the rest are counted. */
const shownShort = 5;

/** The session lifetime audit of one live session (lifetime.ts). */
async function auditLifetime(
  redis: Client,
  session: { key: string; user: string; sid: string },
  at: { idleMs: number; activeAt: number },
  spec: { idleTimeout?: string },
  counts: AuditCounts,
): Promise<void> {
  const pttl = Number(await redis.sendCommand('PTTL', session.key));
  const since = Date.now() - at.activeAt;
  const finding = judgeLifetime(pttl, at.idleMs, since);
  if (finding === 'gone') return;
  counts.ttls++;
  if (finding !== 'short') return;
  counts.ttlShort++;
  if (counts.ttlShort <= shownShort)
    console.warn(
      `audit: ${describeShort(`${ref(session.sid)} of ${session.user}`, pttl, spec.idleTimeout ?? '', since)}`,
    );
}

type OrdersSpec = NonNullable<NonNullable<TargetProfile['redis']>['orders']>;

/** Fields one HMGET asks for: thousands of acked orders take a few commands, not one each. */
const fieldsPerRead = 1000;

/** How often each of `cids` was applied, from their orders key `key` (audit-rules.ts `timesApplied`). */
export async function timesAppliedInStore(
  redis: Client,
  spec: OrdersSpec,
  key: string,
  cids: readonly string[],
): Promise<number[]> {
  if (spec.type === 'list') {
    const items = ((await redis.sendCommand('LRANGE', key, 0, -1)) as string[] | null) ?? [];
    return timesApplied('list', cids, { items }, spec.idField);
  }
  const values: (string | null)[] = [];
  for (let at = 0; at < cids.length; at += fieldsPerRead) {
    const fields = cids.slice(at, at + fieldsPerRead);
    values.push(...((await redis.sendCommand('HMGET', key, ...fields)) as (string | null)[]));
  }
  return timesApplied(spec.type, cids, { values });
}

/** Every acked order of the run, read key by key. */
async function auditOrders(control: RunControl, spec: OrdersSpec, counts: AuditCounts): Promise<void> {
  const byKey = new Map<string, string[]>();
  for (const entry of await control.client.smembers(control.key('orders'))) {
    const { user, cid } = parseOrderEntry(entry);
    const key = fill(spec.key, { user });
    const cids = byKey.get(key);
    if (cids) cids.push(cid);
    else byKey.set(key, [cid]);
  }
  for (const [key, cids] of byKey) {
    const applied = await timesAppliedInStore(control.client, spec, key, cids);
    counts.orders += cids.length;
    applied.forEach((times, i) => {
      if (times === 1) return;
      counts.ordersNotOnce++;
      console.warn(`audit: order ${cids[i]} applied ${times} times`);
    });
  }
}
