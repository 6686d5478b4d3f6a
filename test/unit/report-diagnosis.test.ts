/** The diagnosis: one test per known failure signature, from the rows a real failing run reports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakdownRow, SeriesPoint } from '../../validator/verdict/report/breakdown.ts';
import {
  type DiagnosisInput,
  diagnose,
  diagnosisLines,
  type Finding,
  noSignature,
  type SignatureId,
} from '../../validator/verdict/report/diagnosis.ts';
import { diagnosisHtml, htmlReport } from '../../validator/verdict/report/html.ts';
import { junitReport } from '../../validator/verdict/report/junit.ts';
import { textReport } from '../../validator/verdict/report/text.ts';
import type { Verdict, VerdictRow } from '../../validator/verdict/report/verdict.ts';
import { hostile, runMeta } from './report-fixtures.ts';

const t0 = 1_700_000_010_000;
const timeline = { rolloutStart: t0, rolloutEnd: t0 + 30_000, endAt: t0 + 45_000 };

/** A verdict in which exactly `failed` (metric → value) fail. */
function verdict(failed: Record<string, string>, guards: Record<string, string> = {}): Verdict {
  const rows: VerdictRow[] = [
    ...Object.entries(failed).map(([metric, value]) => row('invariant', metric, value, false)),
    ...Object.entries(guards).map(([metric, value]) => row('guard', metric, value, false)),
    row('invariant', 'zd_http_5xx', '0', true),
  ].filter((r, i, all) => all.findIndex((o) => o.metric === r.metric) === i);
  return { passed: rows.every((r) => r.ok), rows, notChecked: [] };
}

function row(kind: VerdictRow['kind'], metric: string, value: string, ok: boolean): VerdictRow {
  return { kind, metric, title: metric, value, thresholds: [{ expression: 'count==0', ok }], ok };
}

function b(invariant: string, phase: string, pod: string, detail: string, count: number): BreakdownRow {
  return { invariant, phase, pod, color: 'default', detail, count };
}

function run(input: Partial<DiagnosisInput> & Pick<DiagnosisInput, 'verdict'>): Finding[] {
  return diagnose({ breakdown: [], timeline, ...input }).findings;
}

function only(findings: Finding[], id: SignatureId): Finding {
  const found = findings.find((f) => f.id === id);
  assert.ok(found, `expected ${id}; got ${findings.map((f) => f.id).join(', ') || 'nothing'}`);
  return found;
}

const ids = (findings: Finding[]) => findings.map((f) => f.id);

describe('diagnose', () => {
  it('finds no failure signature in a passing run', () => {
    const d = diagnose({ verdict: verdict({}), breakdown: [], timeline });
    assert.deepEqual(d, { findings: [], unexplained: [] });
    assert.deepEqual(diagnosisLines(d), [noSignature]);
  });

  it('401s on every pod with sessions missing from the store: an in-memory session store', () => {
    const findings = run({
      verdict: verdict({
        zd_auth_lost: '620',
        zd_audit_sessions_missing: '50',
        zd_session_persisted: '0.00% of 50',
        zd_logout_ineffective: '2',
      }),
      breakdown: [
        b('zd_auth_lost', 'rollout', 'pod-3', 'GET /api/profile: status 401', 89),
        b('zd_auth_lost', 'baseline', 'pod-1', 'GET /api/profile: status 401', 49),
        b('zd_auth_lost', 'cooldown', 'pod-5', 'GET /api/profile: status 401', 42),
      ],
    });
    const f = only(findings, 'sessions-not-shared');
    assert.match(f.cause, /in-memory session store/);
    assert.match(f.signature, /on 3 pods, already before any pod was replaced/);
    assert.ok(f.evidence.some((e) => e.includes('audit: 50 live sessions missing')));
    assert.ok(f.evidence.some((e) => e.includes('49 in the baseline')));
    // The per-instance logout follows from the per-instance store: no logout finding of its own.
    assert.deepEqual(ids(findings), ['sessions-not-shared']);
    assert.deepEqual(
      diagnose({ verdict: verdict({ zd_auth_lost: '3' }), breakdown: [], timeline }).unexplained,
      [],
    );
  });

  it('401s on other pods with the store intact: sessions pinned to a pod (sticky routing)', () => {
    const f = only(
      run({
        verdict: verdict({ zd_auth_lost: '40' }),
        breakdown: [
          b('zd_auth_lost', 'baseline', 'pod-2', 'GET /api/me: status 401', 20),
          b('zd_auth_lost', 'rollout', 'pod-4', 'close 4401', 20),
        ],
      }),
      'sessions-not-shared',
    );
    assert.match(f.cause, /bound to its pod.*sticky routing/);
  });

  it('401s on other pods make logouts per instance too: no logout finding of its own', () => {
    const findings = run({
      verdict: verdict({ zd_auth_lost: '780', zd_logout_ineffective: '5', zd_audit_logged_out_alive: '23' }),
      breakdown: [
        b('zd_auth_lost', 'baseline', 'pod-3', 'GET /api/me: status 401', 168),
        b('zd_auth_lost', 'rollout', 'pod-4', 'GET /api/me: status 401', 161),
      ],
      logouts: 28,
    });
    assert.deepEqual(ids(findings), ['sessions-not-shared']);
    assert.ok(
      findings[0]?.evidence.some((e) =>
        e.includes('zd_audit_logged_out_alive = 23: a logout on another instance'),
      ),
    );
  });

  it('a single 401 on one pod while it shut down, the store intact: a store error answered as 401', () => {
    const findings = run({
      verdict: verdict({ zd_auth_lost: '1', zd_session_persisted: '98.00% of 50' }),
      breakdown: [b('zd_auth_lost', 'rollout', 'pod-6', 'GET /api/me: status 401', 1)],
    });
    assert.deepEqual(ids(findings), ['auth-blip']);
    assert.match(findings[0]?.fix ?? '', /503/);
  });

  it('401s only after pods were replaced: sessions do not survive their pod', () => {
    const f = only(
      run({
        verdict: verdict({ zd_auth_lost: '12' }),
        breakdown: [
          b('zd_auth_lost', 'rollout', 'pod-4', 'GET /api/me: status 401', 8),
          b('zd_auth_lost', 'cooldown', 'pod-5', 'GET /api/me: status 401', 4),
        ],
      }),
      'sessions-not-shared',
    );
    assert.match(f.signature, /right after pods were replaced/);
    assert.match(f.cause, /in-memory store or sticky routing/);
  });

  it('close 1006 while pods terminate: no graceful close or no preStop', () => {
    const failureSeconds: SeriesPoint[] = [
      { second: t0 / 1000 + 3, key: 'zd_ws_abnormal_closes|default', count: 10 },
      { second: t0 / 1000 + 12, key: 'zd_ws_abnormal_closes|default', count: 18 },
    ];
    const f = only(
      run({
        verdict: verdict({ zd_ws_abnormal_closes: '28' }),
        breakdown: [
          b('zd_ws_abnormal_closes', 'rollout', 'pod-3', 'close 1006', 11),
          b('zd_ws_abnormal_closes', 'rollout', 'pod-2', 'close 1006', 10),
          b('zd_ws_abnormal_closes', 'rollout', 'pod-1', 'close 1006', 7),
        ],
        failureSeconds,
      }),
      'abrupt-close',
    );
    assert.match(f.cause, /no graceful close/);
    assert.match(f.cause, /preStop/);
    assert.match(f.signature, /on 3 pods/);
    assert.ok(f.evidence.includes('28 from +3 s to +12 s of a 30 s rollout'), f.evidence.join('\n'));
  });

  it('other abnormal close codes get their own finding', () => {
    const findings = run({
      verdict: verdict({ zd_ws_abnormal_closes: '4' }),
      breakdown: [b('zd_ws_abnormal_closes', 'rollout', 'pod-1', 'close 1011', 4)],
    });
    assert.deepEqual(ids(findings), ['ws-abnormal-close']);
  });

  it('refused connections at the end of the rollout: endpoints updated after the pod stopped listening', () => {
    const f = only(
      run({
        verdict: verdict({ zd_http_conn_errors: '3', zd_http_5xx: '2' }),
        breakdown: [
          b(
            'zd_http_conn_errors',
            'rollout',
            'unknown',
            'GET /api/me: error 1212: connect: connection refused',
            3,
          ),
          b('zd_http_5xx', 'cooldown', 'unknown', 'GET /api/me: status 502', 2),
        ],
        failureSeconds: [
          { second: t0 / 1000 + 27, key: 'zd_http_conn_errors|unknown', count: 2 },
          { second: t0 / 1000 + 29, key: 'zd_http_conn_errors|unknown', count: 1 },
        ],
      }),
      'refused-after-stop',
    );
    assert.match(f.signature, /at the end of the rollout/);
    assert.match(f.cause, /endpoints .* updated after the process closed its listener/);
    assert.match(f.cause, /preStop/);
  });

  it('requests cut mid-flight, split by new and reused connections', () => {
    const f = only(
      run({
        verdict: verdict({ zd_http_conn_errors: '3' }),
        breakdown: [
          b(
            'zd_http_conn_errors',
            'rollout',
            'unknown',
            'GET /me: error 1000: unexpected EOF (reused connection)',
            2,
          ),
          b(
            'zd_http_conn_errors',
            'rollout',
            'unknown',
            'GET /me: error 1220: read: connection reset by peer (new connection)',
            1,
          ),
        ],
      }),
      'connections-cut',
    );
    assert.match(f.cause, /no drain/);
    assert.ok(
      f.evidence.includes('on reused (kept-alive) connections 2, on new connections 1'),
      f.evidence.join('\n'),
    );
  });

  it('logged-out sessions alive with null values: the delete races a save', () => {
    const findings = run({
      verdict: verdict({
        zd_logout_ineffective: '12',
        zd_audit_null_values: '1',
        zd_audit_logged_out_alive: '13',
      }),
      breakdown: [
        b(
          'zd_logout_ineffective',
          'rollout',
          'pod-5',
          'GET /api/me with the logged-out cookie: status 200',
          12,
        ),
      ],
      logouts: 30,
    });
    assert.deepEqual(ids(findings), ['null-session-values', 'logout-race']);
    assert.match(only(findings, 'logout-race').cause, /races a concurrent request’s save.*not atomic/);
    assert.match(only(findings, 'null-session-values').cause, /compare-and-set/);
  });

  it('some logouts leave their session alive: a race, even without null values', () => {
    const findings = run({ verdict: verdict({ zd_logout_ineffective: '5' }), logouts: 30 });
    assert.deepEqual(ids(findings), ['logout-race']);
  });

  it('every logout leaves its session alive: logout clears only the cookie', () => {
    const findings = run({
      verdict: verdict({ zd_logout_ineffective: '28', zd_audit_logged_out_alive: '29' }),
      logouts: 29,
    });
    assert.deepEqual(ids(findings), ['logout-cookie-only']);
    assert.match(findings[0]?.cause ?? '', /clears only the cookie/);
    assert.ok(findings[0]?.evidence.includes("100 % of the run's 29 logouts"));
  });

  it('without the number of logouts, names both causes', () => {
    const [f] = run({ verdict: verdict({ zd_audit_logged_out_alive: '3' }) });
    assert.equal(f?.id, 'logout-race');
    assert.match(f?.cause ?? '', /or logout clears only the cookie/);
  });

  it('null session values alone: a missing guard or a CAS race', () => {
    const f = only(run({ verdict: verdict({ zd_audit_null_values: '2' }) }), 'null-session-values');
    assert.match(f.cause, /missing guard/);
    assert.match(f.cause, /compare-and-set/);
  });

  it('5xx on bad cookies: a missing empty-cookie guard', () => {
    const f = only(
      run({
        verdict: verdict({ zd_negative_auth_wrong: '9' }),
        breakdown: [b('zd_negative_auth_wrong', 'baseline', 'pod-1', 'GET /api/me: status 500', 9)],
      }),
      'cookie-guard',
    );
    assert.match(f.cause, /missing empty-cookie guard/);
    assert.match(f.signature, /9 with a 5xx/);
  });

  it('messages lost only after reconnects with gaps of any size: the resume cursor is ignored', () => {
    const f = only(
      run({
        verdict: verdict({ zd_msgs_lost: '65' }),
        breakdown: [
          b('zd_msgs_lost', 'rollout', 'pod-4', 'after seq 99 came 102: 2 missing', 3),
          b('zd_msgs_lost', 'rollout', 'pod-5', 'after seq 179 came 186: 6 missing', 3),
        ],
      }),
      'resume-cursor',
    );
    assert.match(f.cause, /resume cursor is ignored/);
  });

  it('exactly one message lost per resume: the resume cursor is ignored or off by one', () => {
    const f = only(
      run({
        verdict: verdict({ zd_msgs_lost: '7' }),
        breakdown: [
          b('zd_msgs_lost', 'rollout', 'pod-4', 'after seq 99 came 101: 1 missing', 4),
          b('zd_msgs_lost', 'cooldown', 'pod-6', 'after seq 150 came 152: 1 missing', 3),
        ],
      }),
      'resume-cursor',
    );
    assert.match(f.cause, /ignored or off by one/);
  });

  it('messages lost without a reconnect: delivery drops', () => {
    const findings = run({
      verdict: verdict({ zd_msgs_lost: '2' }),
      breakdown: [b('zd_msgs_lost', 'baseline', 'pod-2', 'after seq 10 came 12: 1 missing', 2)],
    });
    assert.deepEqual(ids(findings), ['feed-drops']);
  });

  it('duplicated messages after reconnects: the replay overlaps', () => {
    only(
      run({
        verdict: verdict({ zd_msgs_duplicated: '3' }),
        breakdown: [b('zd_msgs_duplicated', 'rollout', 'pod-2', 'seq 40 again after 40', 3)],
      }),
      'feed-duplicates',
    );
  });

  it('a resend acked as applied: dedupe kept per instance', () => {
    const findings = run({
      verdict: verdict({ zd_orders_applied_twice: '28', zd_audit_orders_not_once: '28' }),
      breakdown: [
        b(
          'zd_orders_applied_twice',
          'rollout',
          'pod-4',
          'resent order acked as applied again (status not a duplicate)',
          9,
        ),
        b(
          'zd_orders_applied_twice',
          'rollout',
          'pod-5',
          'resent order acked as applied again (status not a duplicate)',
          6,
        ),
      ],
    });
    assert.deepEqual(ids(findings), ['order-dedupe']);
    assert.match(findings[0]?.cause ?? '', /kept per instance/);
    assert.match(findings[0]?.signature ?? '', /on 2 pods/);
  });

  it('sessions expiring before the declared idle timeout: a short or non-sliding store TTL', () => {
    only(run({ verdict: verdict({ zd_audit_session_ttl_short: '12' }) }), 'session-ttl-short');
  });

  it('acked orders not applied, with no double apply: acked before the apply committed', () => {
    only(run({ verdict: verdict({ zd_audit_orders_not_once: '1' }) }), 'orders-not-applied');
  });

  it('orders never acked, bad frames, slow reconnects, identity changes, failed upgrades', () => {
    const findings = run({
      verdict: verdict({
        zd_orders_unacked: '2',
        zd_ws_bad_frames: '1',
        zd_reconnect_ms: 'p99 7000 ms, max 9000 ms',
        zd_identity_changed: '1',
        zd_ws_connect_errors: '3',
      }),
      breakdown: [
        b('zd_identity_changed', 'rollout', 'pod-2', 'greeting after reconnect: session id changed', 1),
        b('zd_ws_connect_errors', 'rollout', 'pod-1', 'websocket: bad handshake', 3),
      ],
    });
    assert.deepEqual(ids(findings).sort(), [
      'bad-frames',
      'identity-changed',
      'orders-unacked',
      'slow-reconnect',
      'upgrade-failed',
    ]);
    assert.match(only(findings, 'identity-changed').cause, /regenerates .* on reconnect/);
  });

  it('readiness still 200 during drain: readiness not tied to shutdown, naming each pod', () => {
    const findings = run({
      verdict: verdict({ zd_readiness_on_drain: '2' }),
      breakdown: [
        b(
          'zd_readiness_on_drain',
          'rollout',
          'pod-1',
          'readiness answered ready until it stopped accepting connections, 2.5 s after its deletion started',
          1,
        ),
        b(
          'zd_readiness_on_drain',
          'rollout',
          'pod-2',
          'readiness answered ready until it exited, 2.6 s after its deletion started',
          1,
        ),
      ],
    });
    assert.deepEqual(ids(findings), ['readiness-on-drain']);
    const f = only(findings, 'readiness-on-drain');
    assert.equal(
      f.signature,
      'readiness still 200 during drain: 2 replaced pods reported ready while they drained',
    );
    assert.match(f.cause, /^readiness not tied to shutdown: /);
    assert.match(f.fix, /fail readiness as the first step of SIGTERM handling/);
    assert.deepEqual(f.evidence, [
      'zd_readiness_on_drain = 2',
      'zd_readiness_on_drain: pod-1: readiness answered ready until it stopped accepting connections, 2.5 s after its deletion started',
      'zd_readiness_on_drain: pod-2: readiness answered ready until it exited, 2.6 s after its deletion started',
    ]);
    assert.deepEqual(f.explains, ['zd_readiness_on_drain']);
  });

  it('new connections accepted after not ready: endpoints not updated from readiness', () => {
    const f = only(
      run({ verdict: verdict({ zd_readiness_served_after_unready: '1' }) }),
      'readiness-on-drain',
    );
    assert.equal(f.signature, '1 replaced pod accepted new connections after reporting not ready');
    assert.match(f.cause, /^endpoints not updated from readiness/);
    assert.doesNotMatch(f.cause, /not tied to shutdown/);
  });

  it('k6 behind its users: the load generator was saturated, named first and not as an incomplete run', () => {
    const findings = run({
      verdict: verdict({ zd_orders_unacked: '3' }, { zd_k6_lag_ms: 'p(99)=9152ms' }),
    });
    assert.equal(findings[0]?.id, 'k6-saturated');
    assert.match(findings[0]?.signature ?? '', /p\(99\)=9152ms.*load generator, not the service/);
    assert.deepEqual(findings[0]?.explains, ['zd_k6_lag_ms']);
    assert.ok(!ids(findings).includes('run-incomplete'), ids(findings).join(', '));
  });

  it('failed guards: the run did not happen', () => {
    const f = only(run({ verdict: verdict({}, { zd_rollouts_completed: '0' }) }), 'run-incomplete');
    assert.match(f.cause, /rollout did not complete/);
  });

  it('lists failed invariants no signature explains', () => {
    const d = diagnose({ verdict: verdict({ zd_something_new: '1' }), breakdown: [], timeline });
    assert.deepEqual(d, { findings: [], unexplained: ['zd_something_new'] });
    assert.match(diagnosisLines(d).join('\n'), /no known signature for: zd_something_new/);
  });
});

describe('the diagnosis in every report format', () => {
  const d = diagnose({
    verdict: verdict({ zd_negative_auth_wrong: '1' }),
    breakdown: [b('zd_negative_auth_wrong', 'baseline', 'pod-1', `GET /x: status 500 ${hostile}`, 1)],
    timeline,
  });

  it('text: a section after the breakdown, one block per finding', () => {
    const text = textReport(verdict({ zd_negative_auth_wrong: '1' }), [], runMeta(), 'r', d);
    const lines = text.split('\n');
    const at = lines.indexOf('Diagnosis (known failure signatures: likely cause and fix)');
    assert.ok(at > 0);
    assert.match(lines[at + 1] ?? '', /^ {2}1\. .* \[cookie-guard\]$/);
    assert.match(lines[at + 2] ?? '', /^ {5}likely cause: a missing empty-cookie guard/);
    const passing = textReport(
      verdict({}),
      [],
      runMeta(),
      'r',
      diagnose({ verdict: verdict({}), breakdown: [], timeline }),
    );
    assert.match(passing, /Diagnosis .*\n {2}no failure signature\n/);
  });

  it('HTML: a Diagnosis section, escaped', () => {
    const html = htmlReport(verdict({ zd_negative_auth_wrong: '1' }), [], [], [], runMeta(), d);
    assert.match(html, /<h2>Diagnosis<\/h2>/);
    assert.match(html, /id="diagnosis-cookie-guard"/);
    assert.ok(!html.includes(hostile));
    assert.match(diagnosisHtml({ findings: [], unexplained: [] }), /no failure signature/);
  });

  it('JUnit: a diagnosis property and the findings in system-out', () => {
    const xml = junitReport(verdict({ zd_negative_auth_wrong: '1' }), runMeta(), d);
    assert.match(xml, /<property name="diagnosis" value="cookie-guard"\/>/);
    assert.match(xml, /<system-out>Diagnosis\n1\. .*\[cookie-guard\]/);
    assert.ok(!xml.includes(hostile));
    const passing = junitReport(verdict({}), runMeta(), { findings: [], unexplained: [] });
    assert.match(passing, /<property name="diagnosis" value="none"\/>/);
  });
});
