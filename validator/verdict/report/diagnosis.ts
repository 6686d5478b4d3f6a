/**
 * The diagnosis: known failure signatures, read from the verdict (which invariants failed), the failure
 * breakdown (invariant, phase, pod, color, cause) and the timeline, mapped to the likely root cause and
 * the fix — a postmortem's "what happened, why, what to change", each finding naming its evidence.
 * A passing run has no finding. Pure: no k6 imports.
 *
 * To add a signature, append a `Signature` to `signatures`: it reads the run and returns a finding or
 * null. Findings keep the order of `signatures` (root causes before their consequences).
 */
import type { Timeline } from '../../run/phase.ts';
import type { BreakdownRow, SeriesPoint } from './breakdown.ts';
import type { Verdict } from './verdict.ts';

export type SignatureId =
  | 'sessions-not-shared'
  | 'auth-blip'
  | 'identity-changed'
  | 'abrupt-close'
  | 'ws-abnormal-close'
  | 'refused-after-stop'
  | 'connections-cut'
  | 'server-errors'
  | 'upgrade-failed'
  | 'logout-cookie-only'
  | 'logout-race'
  | 'null-session-values'
  | 'cookie-guard'
  | 'resume-cursor'
  | 'feed-drops'
  | 'feed-duplicates'
  | 'order-dedupe'
  | 'orders-not-applied'
  | 'orders-unacked'
  | 'session-ttl-short'
  | 'bad-frames'
  | 'slow-reconnect'
  | 'readiness-on-drain'
  | 'k6-saturated'
  | 'run-incomplete';

export interface Finding {
  id: SignatureId;
  /** What was seen, one line. */
  signature: string;
  /** The likely root cause. */
  cause: string;
  fix: string;
  /** Counts, phases, pods and times that support it. */
  evidence: string[];
  /** The failed invariants and guards it explains. */
  explains: string[];
}

export interface Diagnosis {
  findings: Finding[];
  /** Failed invariants and guards no signature explains. */
  unexplained: string[];
}

export interface DiagnosisInput {
  verdict: Verdict;
  breakdown: BreakdownRow[];
  timeline: Timeline;
  /** Failures per second (`second`, key `invariant|color`), for when in the rollout they happened. */
  failureSeconds?: SeriesPoint[];
  /** Logged-out sessions the run recorded (its logouts), when known. */
  logouts?: number;
}

/** The line a report shows when nothing failed. */
export const noSignature = 'no failure signature';

/** What one signature reads: the run, with helpers over its failed rows. */
export class Run {
  constructor(readonly input: DiagnosisInput) {}

  failed(metric: string): boolean {
    return this.input.verdict.rows.some((r) => r.metric === metric && !r.ok);
  }

  /** The verdict's count for a metric (0 when absent or not a count). */
  count(metric: string): number {
    const n = Number.parseFloat(this.input.verdict.rows.find((r) => r.metric === metric)?.value ?? '');
    return Number.isFinite(n) ? n : 0;
  }

  value(metric: string): string {
    return this.input.verdict.rows.find((r) => r.metric === metric)?.value ?? 'no samples';
  }

  rows(invariant: string, match?: (detail: string) => boolean): BreakdownRow[] {
    return this.input.breakdown.filter((r) => r.invariant === invariant && (!match || match(r.detail)));
  }

  /** Seconds after the rollout started of each failure of `invariant`, and the rollout's length. */
  timing(invariant: string): { offsets: number[]; rolloutSeconds: number | null } | null {
    const { rolloutStart, rolloutEnd } = this.input.timeline;
    const points = (this.input.failureSeconds ?? []).filter((p) => p.key.split('|')[0] === invariant);
    if (rolloutStart === null || points.length === 0) return null;
    const start = Math.floor(rolloutStart / 1000);
    const offsets = points.flatMap((p) => Array<number>(p.count).fill(p.second - start));
    const rolloutSeconds =
      rolloutEnd === null ? null : Math.max(1, Math.round((rolloutEnd - rolloutStart) / 1000));
    return { offsets, rolloutSeconds };
  }
}

export interface Signature {
  id: SignatureId;
  read(run: Run): Finding | null;
}

const sum = (rows: BreakdownRow[]) => rows.reduce((n, r) => n + r.count, 0);

/** `1 request`, `3 requests`. */
const n = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** A few 401s on one pod while it was replaced, with the store intact: not a session-sharing problem. */
function authBlip(run: Run): boolean {
  const rows = run.rows('zd_auth_lost');
  return (
    run.failed('zd_auth_lost') &&
    !run.failed('zd_audit_sessions_missing') &&
    rows.length > 0 &&
    sum(rows) <= 3 &&
    knownPods(rows).size <= 1 &&
    phaseCount(rows, 'baseline') === 0
  );
}

/** 401s for valid sessions (or sessions missing from the store) that a session-sharing fault explains. */
function sessionsNotShared(run: Run): boolean {
  return (run.failed('zd_auth_lost') || run.failed('zd_audit_sessions_missing')) && !authBlip(run);
}

const logoutInvariants = ['zd_logout_ineffective', 'zd_audit_logged_out_alive'];

/** `label: count` per distinct value, largest first, at most `max` shown. */
function tally(rows: BreakdownRow[], by: (r: BreakdownRow) => string, max = 6): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(by(r), (counts.get(by(r)) ?? 0) + r.count);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, max).map(([k, n]) => `${k || '—'} ${n}`);
  if (sorted.length > max) shown.push(`… ${sorted.length - max} more`);
  return shown.join(', ');
}

const knownPods = (rows: BreakdownRow[]) =>
  new Set(rows.map((r) => r.pod).filter((p) => p !== '' && p !== 'unknown'));

/** "N on pods a 3, b 2; phases rollout 4, cooldown 1" for a set of rows. */
function where(rows: BreakdownRow[]): string {
  return `by phase: ${tally(rows, (r) => r.phase)}; by pod: ${tally(rows, (r) => r.pod)}`;
}

function phaseCount(rows: BreakdownRow[], phase: string): number {
  return sum(rows.filter((r) => r.phase === phase));
}

/** Where in the rollout the failures of `invariant` fell, as a sentence; null without timing. */
function when(run: Run, invariant: string): string | null {
  const t = run.timing(invariant);
  if (!t) return null;
  const first = Math.min(...t.offsets);
  const last = Math.max(...t.offsets);
  const span = first === last ? `at +${first} s` : `from +${first} s to +${last} s`;
  const of = t.rolloutSeconds === null ? 'after the rollout started' : `of a ${t.rolloutSeconds} s rollout`;
  return `${t.offsets.length} ${span} ${of}`;
}

/** Whether most failures of `invariant` fell in the last third of the rollout or after it. */
function lateInRollout(run: Run, invariant: string): boolean {
  const t = run.timing(invariant);
  if (!t || t.rolloutSeconds === null) return false;
  const late = t.offsets.filter((o) => o >= (t.rolloutSeconds as number) * (2 / 3)).length;
  return late * 2 > t.offsets.length;
}

/** Splits HTTP failure rows by the connection the request went on (failure-detail's suffix). */
function connectionSplit(rows: BreakdownRow[]): string | null {
  const reused = sum(rows.filter((r) => r.detail.includes('(reused connection)')));
  const fresh = sum(rows.filter((r) => r.detail.includes('(new connection)')));
  if (reused + fresh === 0) return null;
  return `on reused (kept-alive) connections ${reused}, on new connections ${fresh}`;
}

const withEvidence = (...lines: (string | null | false)[]) =>
  lines.filter((l): l is string => typeof l === 'string' && l !== '');

const isRefused = (d: string) => /refused/i.test(d);
const isGateway = (d: string) => /status 50[234]\b/.test(d);
const isCut = (d: string) => /reset|EOF|broken pipe|closed/i.test(d) && !/refused/i.test(d);
const isAbrupt = (d: string) => /^close (1006|none)\b/.test(d);

export const signatures: Signature[] = [
  {
    id: 'k6-saturated',
    read(run) {
      if (!run.failed('zd_k6_lag_ms')) return null;
      return {
        id: 'k6-saturated',
        signature: `k6 fell behind its own users (event-loop lag ${run.value('zd_k6_lag_ms')}): the load generator, not the service, was saturated`,
        cause:
          'more messages and responses than the k6 process could handle on its CPUs: every timing of this run is late by that lag, and acks still queued at the end count as unacknowledged',
        fix: 'give k6 more CPU (nothing else busy on its machine, or more runners), or run fewer users; judge the service on a run that passes this guard',
        evidence: [`zd_k6_lag_ms = ${run.value('zd_k6_lag_ms')}`],
        explains: ['zd_k6_lag_ms'],
      };
    },
  },
  {
    id: 'sessions-not-shared',
    read(run) {
      const rows = run.rows('zd_auth_lost');
      const missing = run.failed('zd_audit_sessions_missing');
      if (!sessionsNotShared(run)) return null;
      const logouts = logoutInvariants.filter((m) => run.failed(m));
      const baseline = phaseCount(rows, 'baseline');
      const later = sum(rows) - baseline;
      const pods = knownPods(rows);
      const inMemory = missing && run.count('zd_audit_sessions_missing') > 0;
      const cause = inMemory
        ? 'sessions are not shared between instances: they live in process memory (an in-memory session store), not in the shared store — a session works only on the instance that created it and dies with it'
        : baseline > 0
          ? 'sessions are not shared between instances: the session is in the store but valid only on the instance that created it (bound to its pod), which works only behind sticky routing'
          : 'sessions do not survive the instance that created them: when pods are replaced, sessions held by (or pinned to) the old pods are rejected — an in-memory store or sticky routing';
      const spread = pods.size > 1 ? ` on ${pods.size} pods` : '';
      const timing =
        baseline > 0
          ? 'already before any pod was replaced (the load balancer spreads each user over instances)'
          : later > 0
            ? 'right after pods were replaced'
            : missing
              ? 'with sessions missing from the store'
              : 'during the run';
      return {
        id: 'sessions-not-shared',
        signature: `${n(run.count('zd_auth_lost'), '401')} (or unauthorized closes) for valid sessions${spread}, ${timing}`,
        cause,
        fix: 'keep sessions in the shared store (Redis: connect-redis, Spring Session, …) and let every instance accept every session from it; do not rely on sticky routing, which a rollout breaks',
        evidence: withEvidence(
          rows.length > 0 && `zd_auth_lost ${sum(rows)} ${where(rows)}`,
          baseline > 0 && `${baseline} in the baseline, before the first pod was replaced`,
          missing && `audit: ${run.value('zd_audit_sessions_missing')} live sessions missing from the store`,
          run.failed('zd_session_persisted') &&
            `session persistence score ${run.value('zd_session_persisted')}`,
          rows.length > 0 && `causes: ${tally(rows, (r) => r.detail, 3)}`,
          logouts.length > 0 &&
            `${logouts.map((m) => `${m} = ${run.value(m)}`).join(', ')}: a logout on another instance cannot end the session either — check logout again once sessions are shared`,
        ),
        explains: [
          'zd_auth_lost',
          'zd_audit_sessions_missing',
          'zd_session_persisted',
          'zd_ws_connect_errors',
          ...logouts,
        ],
      };
    },
  },
  {
    id: 'auth-blip',
    read(run) {
      if (!authBlip(run)) return null;
      const rows = run.rows('zd_auth_lost');
      return {
        id: 'auth-blip',
        signature: `${n(sum(rows), '401')} for valid sessions on one pod while pods were replaced, the store intact`,
        cause:
          'the session lookup failed while the pod shut down (its store connection closed, or was cut, with requests in flight) and the failure was answered as unauthenticated',
        fix: 'answer a store error with 503 (retryable), never 401; close the store connection only after the HTTP server drained',
        evidence: withEvidence(
          `zd_auth_lost ${sum(rows)} ${where(rows)}`,
          `causes: ${tally(rows, (r) => r.detail, 3)}`,
        ),
        explains: ['zd_auth_lost', 'zd_session_persisted'],
      };
    },
  },
  {
    id: 'identity-changed',
    read(run) {
      if (!run.failed('zd_identity_changed')) return null;
      const rows = run.rows('zd_identity_changed');
      const reconnect = sum(rows.filter((r) => /after reconnect/.test(r.detail)));
      const userChanged = sum(rows.filter((r) => /user .+ → /.test(r.detail)));
      return {
        id: 'identity-changed',
        signature: `the identity behind a session changed ${run.count('zd_identity_changed')} times`,
        cause:
          userChanged > 0
            ? 'responses named another user: a session or response shared between users (a cache keyed without the session, a mutable global, a session id collision)'
            : reconnect > 0
              ? 'a reconnect got a new session: the server regenerates (or re-creates) the session on reconnect instead of resuming it'
              : 'the session id changed under a live session: the service regenerates or re-issues sessions on some requests',
        fix: 'resolve the session only from the cookie and the shared store, never create one on an authenticated request; key every cache by session',
        evidence: withEvidence(
          `zd_identity_changed ${sum(rows)} ${where(rows)}`,
          `causes: ${tally(rows, (r) => r.detail, 3)}`,
        ),
        explains: ['zd_identity_changed', 'zd_session_persisted'],
      };
    },
  },
  {
    id: 'abrupt-close',
    read(run) {
      const rows = run.rows('zd_ws_abnormal_closes', isAbrupt);
      if (!run.failed('zd_ws_abnormal_closes') || rows.length === 0) return null;
      const during = sum(rows) - phaseCount(rows, 'baseline');
      if (during * 2 < sum(rows)) return null;
      const pods = knownPods(rows);
      return {
        id: 'abrupt-close',
        signature: `${sum(rows)} WebSockets ended without a close frame (1006) while pods were terminating${pods.size > 0 ? `, on ${pods.size} pods` : ''}`,
        cause:
          'no graceful close: on SIGTERM the process exits (or is killed) with its sockets open instead of closing them with 1001/1012 — no shutdown handler, or no preStop/drain window, or a grace period shorter than the drain',
        fix: 'on SIGTERM: fail readiness, keep serving for the drain window (a preStop sleep covers endpoint propagation), then close every WebSocket with 1001 (going away) or 1012 (service restart) and exit; keep terminationGracePeriodSeconds above preStop + drain',
        evidence: withEvidence(
          `zd_ws_abnormal_closes ${sum(rows)} ${where(rows)}`,
          when(run, 'zd_ws_abnormal_closes'),
        ),
        explains: ['zd_ws_abnormal_closes'],
      };
    },
  },
  {
    id: 'ws-abnormal-close',
    read(run) {
      const rows = run.rows('zd_ws_abnormal_closes', (d) => !isAbrupt(d));
      const abrupt = run.rows('zd_ws_abnormal_closes', isAbrupt);
      if (!run.failed('zd_ws_abnormal_closes')) return null;
      if (
        rows.length === 0 &&
        abrupt.length > 0 &&
        sum(abrupt) - phaseCount(abrupt, 'baseline') >= sum(abrupt) / 2
      )
        return null;
      const all = rows.length > 0 ? rows : abrupt;
      return {
        id: 'ws-abnormal-close',
        signature: `${run.count('zd_ws_abnormal_closes')} WebSockets closed abnormally (${tally(all, (r) => r.detail, 3)})`,
        cause:
          rows.length > 0
            ? 'the server closes sockets with a code that is not a clean restart (1011 internal error, an application code) — an error path closes the socket, or the shutdown uses the wrong code'
            : 'sockets drop without a close frame outside the rollout: a crash, a proxy idle timeout shorter than the feed interval, or a missing ping',
        fix: 'close with 1001 or 1012 on shutdown (or list the service’s restart code in the profile’s cleanCloseCodes); find the error that closes the socket',
        evidence: withEvidence(`zd_ws_abnormal_closes ${sum(all)} ${where(all)}`),
        explains: ['zd_ws_abnormal_closes'],
      };
    },
  },
  {
    id: 'refused-after-stop',
    read(run) {
      const conn = run.rows('zd_http_conn_errors', isRefused);
      const gateway = run.rows('zd_http_5xx', isGateway);
      const rows = [...conn, ...gateway];
      if (!(run.failed('zd_http_conn_errors') || run.failed('zd_http_5xx')) || rows.length === 0) return null;
      if (phaseCount(rows, 'baseline') * 2 > sum(rows)) return null;
      const late = lateInRollout(run, conn.length > 0 ? 'zd_http_conn_errors' : 'zd_http_5xx');
      return {
        id: 'refused-after-stop',
        signature: `${n(sum(rows), 'request')} refused (or answered 502/503/504 by the proxy)${late ? ' at the end of the rollout' : ' during the rollout'}`,
        cause:
          'requests still reach a pod after it stopped listening: the endpoints (Service, load balancer, proxy upstreams) are updated after the process closed its listener — the preStop sleep is missing or shorter than endpoint propagation, or the server stops listening at once on SIGTERM',
        fix: 'keep accepting connections for the drain window after SIGTERM: a preStop sleep (5–15 s) longer than endpoint propagation, readiness failing first, the listener closed last',
        evidence: withEvidence(
          conn.length > 0 && `zd_http_conn_errors (refused) ${sum(conn)} ${where(conn)}`,
          gateway.length > 0 && `zd_http_5xx (502/503/504) ${sum(gateway)} ${where(gateway)}`,
          when(run, conn.length > 0 ? 'zd_http_conn_errors' : 'zd_http_5xx'),
          connectionSplit(rows),
        ),
        explains: ['zd_http_conn_errors', 'zd_http_5xx'],
      };
    },
  },
  {
    id: 'connections-cut',
    read(run) {
      const rows = run.rows('zd_http_conn_errors', isCut);
      if (!run.failed('zd_http_conn_errors') || rows.length === 0) return null;
      const split = connectionSplit(rows);
      return {
        id: 'connections-cut',
        signature: `${n(sum(rows), 'request')} cut off mid-flight (reset, EOF)${phaseCount(rows, 'baseline') === sum(rows) ? '' : ' while pods were terminating'}`,
        cause:
          'the server closed connections with requests in flight: no drain on SIGTERM (the process exits or closes sockets at once), or kept-alive connections closed without `Connection: close` so a client reused a connection the server was closing',
        fix: 'on SIGTERM stop accepting new connections only after the drain window, finish in-flight requests, answer with `Connection: close` while draining, and keep the server’s keep-alive timeout above the proxy’s',
        evidence: withEvidence(
          `zd_http_conn_errors ${sum(rows)} ${where(rows)}`,
          when(run, 'zd_http_conn_errors'),
          split,
        ),
        explains: ['zd_http_conn_errors'],
      };
    },
  },
  {
    id: 'server-errors',
    read(run) {
      const rows = run.rows('zd_http_5xx', (d) => !isGateway(d));
      if (!run.failed('zd_http_5xx') || rows.length === 0) return null;
      return {
        id: 'server-errors',
        signature: `${sum(rows)} server errors (${tally(rows, (r) => r.detail, 3)})`,
        cause:
          phaseCount(rows, 'baseline') === sum(rows)
            ? 'the service fails requests without any rollout: an application error'
            : 'the service fails requests while pods are replaced: a dependency (the store connection, a pool) is closed before in-flight requests finish, or the new pod serves before it is ready',
        fix: 'close dependencies only after the HTTP server drained; gate readiness on every dependency being connected',
        evidence: withEvidence(`zd_http_5xx ${sum(rows)} ${where(rows)}`, connectionSplit(rows)),
        explains: ['zd_http_5xx'],
      };
    },
  },
  {
    id: 'upgrade-failed',
    read(run) {
      if (!run.failed('zd_ws_connect_errors') || run.failed('zd_auth_lost')) return null;
      const rows = run.rows('zd_ws_connect_errors');
      return {
        id: 'upgrade-failed',
        signature: `${run.count('zd_ws_connect_errors')} WebSocket handshakes failed with the session still valid`,
        cause:
          'reconnects reach a pod that no longer (or not yet) accepts upgrades: the listener closed before endpoints were updated, or the new pod is Ready before its WebSocket server is',
        fix: 'keep accepting upgrades through the drain window; report Ready only when the WebSocket endpoint works',
        evidence: withEvidence(
          rows.length > 0 && `zd_ws_connect_errors ${sum(rows)} ${where(rows)}`,
          rows.length > 0 && `causes: ${tally(rows, (r) => r.detail, 3)}`,
        ),
        explains: ['zd_ws_connect_errors'],
      };
    },
  },
  {
    id: 'null-session-values',
    read(run) {
      if (!run.failed('zd_audit_null_values')) return null;
      return {
        id: 'null-session-values',
        signature: `${run.value('zd_audit_null_values')} session keys hold null or an empty value at the end of the run`,
        cause:
          'a request wrote back a session it read as null or empty: a read-modify-write without compare-and-set racing a logout (or a tombstone), or a missing guard that saves an empty session for an empty cookie',
        fix: 'never write a session you did not read as a live session: refresh the TTL atomically (GETEX / EXPIRE) instead of re-saving, delete with compare-and-delete (a Lua script or WATCH/MULTI), and reject empty cookies before any store access',
        evidence: withEvidence(
          `audit: zd_audit_null_values = ${run.value('zd_audit_null_values')}`,
          run.failed('zd_logout_ineffective') &&
            `with ${run.value('zd_logout_ineffective')} logged-out cookies still accepted`,
        ),
        explains: ['zd_audit_null_values'],
      };
    },
  },
  {
    id: 'logout-race',
    read(run) {
      const logout = logoutFacts(run);
      if (!logout || logout.cookieOnly === true) return null;
      const race =
        'the logout’s delete races a concurrent request’s save: logout is not atomic (check-then-act) and requests re-save the session read-modify-write, so a request in flight writes the session back after it was deleted';
      return {
        id: 'logout-race',
        signature: `logged-out sessions are still alive (${logout.summary})${logout.cookieOnly === false ? ', not after every logout' : ''}`,
        cause:
          logout.cookieOnly === null
            ? `${race}; or logout clears only the cookie and leaves the session in the store`
            : race,
        fix: 'delete with one atomic command or a compare-and-delete script, and make requests refresh the TTL without rewriting the value (GETEX, EXPIRE XX), so nothing can resurrect a deleted session',
        evidence: logout.evidence,
        explains: ['zd_logout_ineffective', 'zd_audit_logged_out_alive'],
      };
    },
  },
  {
    id: 'logout-cookie-only',
    read(run) {
      const logout = logoutFacts(run);
      if (logout?.cookieOnly !== true) return null;
      return {
        id: 'logout-cookie-only',
        signature: `logged-out sessions are still alive (${logout.summary}), after every logout`,
        cause:
          'logout clears only the cookie: the session stays in the store, so the old cookie (or a copy of it) keeps working until the session expires',
        fix: 'destroy the session in the store on logout (req.session.destroy(), session.invalidate(), DEL) before clearing the cookie',
        evidence: logout.evidence,
        explains: ['zd_logout_ineffective', 'zd_audit_logged_out_alive'],
      };
    },
  },
  {
    id: 'cookie-guard',
    read(run) {
      if (!run.failed('zd_negative_auth_wrong')) return null;
      const rows = run.rows('zd_negative_auth_wrong');
      const fivexx = sum(rows.filter((r) => /status 5\d\d/.test(r.detail)));
      const accepted = sum(rows.filter((r) => /status 2\d\d/.test(r.detail)));
      return {
        id: 'cookie-guard',
        signature: `${run.count('zd_negative_auth_wrong')} empty or malformed cookies answered with something other than 401${fivexx > 0 ? ` (${fivexx} with a 5xx)` : ''}`,
        cause:
          accepted > 0 && fivexx === 0
            ? 'malformed session cookies are accepted: the service creates or resolves a session for a cookie it should reject'
            : 'a missing empty-cookie guard: an empty or malformed cookie reaches the store lookup and the code dereferences the null result (a 500 instead of a 401)',
        fix: 'check the cookie’s presence and format before any store access and answer 401 naming the reason; treat a missing session as unauthenticated, never as an error',
        evidence: withEvidence(
          `zd_negative_auth_wrong ${sum(rows)} ${where(rows)}`,
          `answers: ${tally(rows, (r) => r.detail, 3)}`,
        ),
        explains: ['zd_negative_auth_wrong'],
      };
    },
  },
  {
    id: 'resume-cursor',
    read(run) {
      const rows = run.rows('zd_msgs_lost');
      if (!run.failed('zd_msgs_lost') || rows.length === 0) return null;
      const baseline = phaseCount(rows, 'baseline');
      if (baseline > 0) return null;
      const gaps = rows.map((r) => Number(/(\d+) missing/.exec(r.detail)?.[1] ?? Number.NaN));
      const offByOne = gaps.length > 0 && gaps.every((g) => g === 1);
      return {
        id: 'resume-cursor',
        signature: `${run.count('zd_msgs_lost')} feed messages lost, only after reconnects (none in the baseline)`,
        cause: offByOne
          ? 'the resume cursor is ignored or off by one: every gap is exactly one message — an off-by-one replay (starting one past the cursor) skips one per resume, and an ignored cursor loses one when the reconnect takes less than two feed intervals'
          : 'the resume cursor is ignored: a reconnecting client gets only live messages, so everything published while it was away is lost (gaps of varying size)',
        fix: 'replay every message after the cursor the client sends (offset, last id or sequence) before switching to live delivery, buffering live messages during the replay',
        evidence: withEvidence(
          `${n(sum(rows), 'gap')} ${where(rows)}`,
          `gaps: ${tally(rows, (r) => r.detail, 4)}`,
        ),
        explains: ['zd_msgs_lost'],
      };
    },
  },
  {
    id: 'feed-drops',
    read(run) {
      const rows = run.rows('zd_msgs_lost');
      if (!run.failed('zd_msgs_lost') || phaseCount(rows, 'baseline') === 0) return null;
      return {
        id: 'feed-drops',
        signature: `${run.count('zd_msgs_lost')} feed messages lost, some without any reconnect (in the baseline)`,
        cause:
          'delivery drops messages on a live connection: a fan-out that skips sockets, a buffer that overflows, or a publisher that skips sequence numbers',
        fix: 'deliver every message to every subscribed socket in order; apply back-pressure instead of dropping',
        evidence: withEvidence(
          `zd_msgs_lost ${sum(rows)} ${where(rows)}`,
          `pods: ${tally(rows, (r) => r.pod)}`,
        ),
        explains: ['zd_msgs_lost'],
      };
    },
  },
  {
    id: 'feed-duplicates',
    read(run) {
      if (!run.failed('zd_msgs_duplicated')) return null;
      const rows = run.rows('zd_msgs_duplicated');
      return {
        id: 'feed-duplicates',
        signature: `${run.count('zd_msgs_duplicated')} feed messages delivered twice${phaseCount(rows, 'baseline') === 0 ? ', only after reconnects' : ''}`,
        cause:
          'the resume replays from the cursor inclusive (off by one), or the replay and the live stream overlap: the message the client already had is sent again',
        fix: 'replay strictly after the cursor and send live messages only after the last replayed one',
        evidence: withEvidence(rows.length > 0 && `zd_msgs_duplicated ${sum(rows)} ${where(rows)}`),
        explains: ['zd_msgs_duplicated'],
      };
    },
  },
  {
    id: 'order-dedupe',
    read(run) {
      if (!run.failed('zd_orders_applied_twice')) return null;
      const rows = run.rows('zd_orders_applied_twice');
      const pods = knownPods(rows);
      return {
        id: 'order-dedupe',
        signature: `${run.count('zd_orders_applied_twice')} orders resent after a reconnect were acknowledged as applied again${pods.size > 1 ? `, on ${pods.size} pods` : ''}`,
        cause:
          'order deduplication is kept per instance (an in-memory seen-set) or missing: a resend that reaches another instance — or the same one after a restart — is applied a second time',
        fix: 'deduplicate in the shared store, atomically with the apply (SET order:<id> NX and apply in one script or transaction), and ack a resend as a duplicate',
        evidence: withEvidence(
          rows.length > 0 && `zd_orders_applied_twice ${sum(rows)} ${where(rows)}`,
          run.failed('zd_audit_orders_not_once') &&
            `audit: ${run.value('zd_audit_orders_not_once')} acked orders not applied exactly once`,
        ),
        explains: ['zd_orders_applied_twice', 'zd_audit_orders_not_once'],
      };
    },
  },
  {
    id: 'session-ttl-short',
    read(run) {
      if (!run.failed('zd_audit_session_ttl_short')) return null;
      return {
        id: 'session-ttl-short',
        signature: `${run.value('zd_audit_session_ttl_short')} live sessions would expire before the idle timeout the profile declares`,
        cause:
          'the session lifetime in the store is shorter than declared, or activity does not extend it (no sliding expiry: the store is never touched on use)',
        fix: 'set the store TTL from the session idle timeout and refresh it on every authenticated request (express-session rolling/touch, Spring Session maxInactiveInterval, GETEX or EXPIRE on read)',
        evidence: withEvidence(`audit: ${run.value('zd_audit_session_ttl_short')} sessions expiring early`),
        explains: ['zd_audit_session_ttl_short'],
      };
    },
  },
  {
    id: 'orders-not-applied',
    read(run) {
      if (!run.failed('zd_audit_orders_not_once') || run.failed('zd_orders_applied_twice')) return null;
      return {
        id: 'orders-not-applied',
        signature: `${run.value('zd_audit_orders_not_once')} acknowledged orders are not in the store exactly once`,
        cause:
          'orders are acknowledged before they are durably applied: a pod that drains (or exits) acks and drops them, or applies them twice without telling the client',
        fix: 'ack an order only after its apply committed in the shared store; on shutdown finish or reject in-flight orders so the client resends them',
        evidence: withEvidence(
          `audit: zd_audit_orders_not_once = ${run.value('zd_audit_orders_not_once')}`,
          run.failed('zd_ws_abnormal_closes') &&
            `alongside ${run.value('zd_ws_abnormal_closes')} abnormal closes`,
        ),
        explains: ['zd_audit_orders_not_once'],
      };
    },
  },
  {
    id: 'orders-unacked',
    read(run) {
      if (!run.failed('zd_orders_unacked')) return null;
      return {
        id: 'orders-unacked',
        signature: `${n(run.count('zd_orders_unacked'), 'order')} never acknowledged, even after resends`,
        cause:
          'orders in flight on a closing socket are dropped without an ack, and resends are ignored or rejected',
        fix: 'answer every order (applied, duplicate or an error to retry); accept resends on any instance',
        evidence: withEvidence(`zd_orders_unacked = ${run.value('zd_orders_unacked')}`),
        explains: ['zd_orders_unacked'],
      };
    },
  },
  {
    id: 'bad-frames',
    read(run) {
      if (!run.failed('zd_ws_bad_frames')) return null;
      const rows = run.rows('zd_ws_bad_frames');
      return {
        id: 'bad-frames',
        signature: `${run.count('zd_ws_bad_frames')} WebSocket frames did not follow the protocol`,
        cause:
          'the service sends frames the profile does not describe (a version mix during the rollout, or an error path that writes non-JSON)',
        fix: 'keep old and new versions wire-compatible through a rollout; or fix the profile’s frame matchers',
        evidence: withEvidence(
          rows.length > 0 && `zd_ws_bad_frames ${sum(rows)} ${where(rows)}`,
          rows.length > 0 && `frames: ${tally(rows, (r) => r.detail, 3)}`,
        ),
        explains: ['zd_ws_bad_frames'],
      };
    },
  },
  {
    id: 'slow-reconnect',
    read(run) {
      if (!run.failed('zd_reconnect_ms')) return null;
      return {
        id: 'slow-reconnect',
        signature: `WebSocket reconnects were slow (${run.value('zd_reconnect_ms')})`,
        cause:
          'reconnects wait for a pod: too few ready replicas during the rollout (maxUnavailable, slow start), or upgrades refused until a new pod is ready',
        fix: 'roll with maxSurge ≥ 1 and maxUnavailable 0, and make new pods ready quickly',
        evidence: withEvidence(`zd_reconnect_ms = ${run.value('zd_reconnect_ms')}`),
        explains: ['zd_reconnect_ms'],
      };
    },
  },
  {
    // Readiness on drain (issue 12 item 1, validator/readiness/): any failed `zd_readiness*` invariant.
    id: 'readiness-on-drain',
    read(run) {
      const rows = run.input.verdict.rows.filter((r) => r.metric.startsWith('zd_readiness') && !r.ok);
      if (rows.length === 0) return null;
      const stayedReady = run.failed('zd_readiness_on_drain');
      const late = run.failed('zd_readiness_served_after_unready');
      const pods = (invariant: string) =>
        run.rows(invariant).map((r) => `${invariant}: ${r.pod}: ${r.detail || 'no detail'}`);
      const seen = [
        stayedReady &&
          `readiness still 200 during drain: ${n(run.count('zd_readiness_on_drain'), 'replaced pod')} reported ready while they drained`,
        late &&
          `${n(run.count('zd_readiness_served_after_unready'), 'replaced pod')} accepted new connections after reporting not ready`,
      ].filter(Boolean);
      return {
        id: 'readiness-on-drain',
        signature: seen.join('; '),
        cause: [
          stayedReady &&
            'readiness not tied to shutdown: the readiness endpoint answers 200 until the process stops listening (it checks only that the process and its dependencies are up), so the pod stays a ready endpoint while it drains and new connections keep coming until they are refused',
          late &&
            'endpoints not updated from readiness: a load balancer, proxy or client keeps sending new connections to a pod that reports not ready',
        ]
          .filter(Boolean)
          .join('; '),
        fix: [
          stayedReady &&
            'fail readiness as the first step of SIGTERM handling (a shutting-down flag the readiness handler reads), then keep serving for the drain window before closing the listener; keep the readiness probe period short (1–2 s) so endpoints follow within READINESS_BOUND',
          late &&
            'route by the EndpointSlice conditions (serving/ready) or the readiness probe, and give the proxy a health check shorter than READINESS_GRACE',
        ]
          .filter(Boolean)
          .join('; '),
        evidence: withEvidence(
          ...rows.map((r) => `${r.metric} = ${r.value}`),
          ...pods('zd_readiness_on_drain').slice(0, 6),
          ...pods('zd_readiness_served_after_unready').slice(0, 6),
        ),
        explains: rows.map((r) => r.metric),
      };
    },
  },
  {
    id: 'run-incomplete',
    read(run) {
      const guards = run.input.verdict.rows.filter(
        (r) => r.kind === 'guard' && !r.ok && r.metric !== 'zd_k6_lag_ms',
      );
      if (guards.length === 0) return null;
      const rollout = guards.some(
        (g) => g.metric.startsWith('zd_rollout') || g.metric.startsWith('zd_pods_'),
      );
      return {
        id: 'run-incomplete',
        signature: `${guards.length} guard${guards.length === 1 ? '' : 's'} failed: the run did not do what a verdict needs`,
        cause: rollout
          ? 'the rollout did not complete: new pods never became ready (image, probe, crash loop), the rollout stalled, or the actor never rolled'
          : 'the users or the audit did not run as planned: logins failed, users stopped early, or the audit could not read the store',
        fix: 'read the failing guards and the k6 output above the summary; fix the environment before judging the service',
        evidence: guards.map(
          (g) => `${g.metric} = ${g.value} (${g.thresholds.map((t) => t.expression).join(', ')})`,
        ),
        explains: guards.map((g) => g.metric),
      };
    },
  },
];

interface LogoutFacts {
  /** Every logout left its session alive (true), only some did or a write raced the delete (false), unknown (null). */
  cookieOnly: boolean | null;
  summary: string;
  evidence: string[];
}

/** Logged-out sessions alive: every logout (the cookie-only logout) or only some (a race). */
function logoutFacts(run: Run): LogoutFacts | null {
  const ineffective = run.failed('zd_logout_ineffective') ? run.count('zd_logout_ineffective') : 0;
  const alive = run.failed('zd_audit_logged_out_alive') ? run.count('zd_audit_logged_out_alive') : 0;
  if (ineffective === 0 && alive === 0) return null;
  // Sessions valid on one instance only make logouts per instance too: that finding explains these.
  if (sessionsNotShared(run)) return null;
  const logouts = run.input.logouts;
  const worst = Math.max(ineffective, alive);
  const share = logouts && logouts > 0 ? worst / logouts : null;
  const nulls = run.failed('zd_audit_null_values');
  const cookieOnly = nulls ? false : share === null ? null : share >= 0.9;
  const rows = run.rows('zd_logout_ineffective');
  return {
    cookieOnly,
    summary: [
      ineffective > 0 && `${ineffective} old cookies accepted after logout`,
      alive > 0 && `${alive} in the store at the end`,
      logouts !== undefined && `of ${logouts} logouts`,
    ]
      .filter(Boolean)
      .join(', '),
    evidence: withEvidence(
      rows.length > 0 && `zd_logout_ineffective ${sum(rows)} ${where(rows)}`,
      alive > 0 && `audit: ${alive} logged-out sessions still in the store`,
      logouts !== undefined &&
        share !== null &&
        `${Math.round(share * 100)} % of the run's ${logouts} logouts`,
      nulls &&
        `audit: ${run.value('zd_audit_null_values')} session keys hold null (a write raced the delete)`,
    ),
  };
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const run = new Run(input);
  const findings = signatures.map((s) => s.read(run)).filter((f): f is Finding => f !== null);
  const explained = new Set(findings.flatMap((f) => f.explains));
  const unexplained = input.verdict.rows
    .filter((r) => !r.ok && !explained.has(r.metric))
    .map((r) => r.metric);
  return { findings, unexplained };
}

/** The diagnosis as text lines (the text summary, JUnit system-out), without indentation. */
export function diagnosisLines(d: Diagnosis): string[] {
  if (d.findings.length === 0 && d.unexplained.length === 0) return [noSignature];
  const lines: string[] = [];
  d.findings.forEach((f, i) => {
    lines.push(`${i + 1}. ${f.signature} [${f.id}]`);
    lines.push(`   likely cause: ${f.cause}`);
    lines.push(`   fix: ${f.fix}`);
    for (const e of f.evidence) lines.push(`   evidence: ${e}`);
  });
  if (d.unexplained.length > 0)
    lines.push(`no known signature for: ${d.unexplained.join(', ')} (see the failure breakdown)`);
  return lines;
}
