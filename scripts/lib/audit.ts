/**
 * The end-of-run audit of the session store through xk6-redis: every synthetic session still exists
 * with the right user, no session key holds a null or empty value (the CAS race of seed 000), no
 * logged-out session survived, every acked order was applied exactly once.
 */

import { appliedOnce, isNullValue, judgeSession, scanPattern } from './audit-rules.ts';
import type { RunControl } from './control.ts';
import { metrics } from './metrics.ts';
import { fill, type TargetProfile } from './profile.ts';

const scanBatch = 1000;
const maxScanRounds = 10_000;

export interface AuditCounts {
  sessions: number;
  missing: number;
  nullValues: number;
  loggedOutAlive: number;
  orders: number;
  ordersNotOnce: number;
}

async function getOrNull(promise: Promise<string>): Promise<string | null> {
  try {
    return await promise;
  } catch (error) {
    if (String(error).includes('redis: nil')) return null;
    throw error;
  }
}

export async function auditStore(profile: TargetProfile, control: RunControl): Promise<AuditCounts> {
  const redis = control.client;
  const keyOf = (sessionId: string) => fill(profile.redis.sessionKey, { sessionId });
  const counts: AuditCounts = {
    sessions: 0,
    missing: 0,
    nullValues: 0,
    loggedOutAlive: 0,
    orders: 0,
    ordersNotOnce: 0,
  };
  const at = { phase: 'audit', pod: 'store', color: 'store' };

  const sessions = await redis.hgetall(control.key('sessions'));
  for (const [user, sessionId] of Object.entries(sessions)) {
    counts.sessions++;
    const finding = judgeSession(
      await getOrNull(redis.get(keyOf(sessionId))),
      user,
      profile.redis.sessionUserField,
    );
    if (finding === 'missing' || finding === 'wrong-user') {
      counts.missing++;
      console.warn(`audit: session of ${user} (${sessionId}) is ${finding}`);
    }
  }

  const loggedOut = await redis.smembers(control.key('logged-out'));
  const live = new Set(Object.values(sessions));
  for (const sessionId of loggedOut) {
    if (live.has(sessionId)) continue;
    if ((await redis.exists(keyOf(sessionId))) > 0) {
      counts.loggedOutAlive++;
      console.warn(`audit: logged-out session ${sessionId} is still in the store`);
    }
  }

  counts.nullValues = await countNullValues(control, scanPattern(profile.redis.sessionKey));

  const orders = await redis.smembers(control.key('orders'));
  for (const cid of orders) {
    counts.orders++;
    const applied = await getOrNull(redis.hget(profile.redis.ordersAppliedHash, cid));
    if (!appliedOnce(applied)) {
      counts.ordersNotOnce++;
      console.warn(`audit: order ${cid} applied ${applied ?? 0} times`);
    }
  }

  metrics.auditSessionsMissing.add(counts.missing, at);
  metrics.auditNullValues.add(counts.nullValues, at);
  metrics.auditLoggedOutAlive.add(counts.loggedOutAlive, at);
  metrics.auditOrdersNotOnce.add(counts.ordersNotOnce, at);
  metrics.auditRuns.add(1);
  await control.expireAll();
  return counts;
}

async function countNullValues(control: RunControl, pattern: string): Promise<number> {
  const redis = control.client;
  let cursor = '0';
  let found = 0;
  for (let round = 0; round < maxScanRounds; round++) {
    const [next, keys] = (await redis.sendCommand('SCAN', cursor, 'MATCH', pattern, 'COUNT', scanBatch)) as [
      string,
      string[],
    ];
    for (const key of keys) {
      const value = await getOrNull(redis.get(key));
      if (value !== null && isNullValue(value)) {
        found++;
        console.warn(`audit: ${key} holds a null value '${value}'`);
      }
    }
    cursor = String(next);
    if (cursor === '0') break;
  }
  return found;
}
