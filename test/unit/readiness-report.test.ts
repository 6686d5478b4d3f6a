/**
 * Readiness on drain around its verdict: when it is checked (strategy, profile, entry), its guard and
 * thresholds, the profile field, and the per-pod rows of the text and HTML reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import strict from '../../thresholds/strict.json' with { type: 'json' };
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import { parseProfile, type TargetProfile } from '../../validator/profile/profile.ts';
import type { PodReadinessVerdict, ReadinessReport } from '../../validator/readiness/judge.ts';
import { scenarioOptions } from '../../validator/settings/options.ts';
import { parseConfig } from '../../validator/settings/registry.ts';
import {
  guardsFor,
  notCheckedBy,
  readinessNotChecked,
  thresholdsFor,
  validateThresholdProfile,
} from '../../validator/verdict/invariants.ts';
import { htmlReport } from '../../validator/verdict/report/html.ts';
import { readinessLines } from '../../validator/verdict/report/readiness-table.ts';
import { textReport } from '../../validator/verdict/report/text.ts';
import { mixedVerdict, runMeta } from './report-fixtures.ts';

const withoutReadiness: TargetProfile = {
  ...referenceProfile,
  http: { ...referenceProfile.http, readiness: undefined },
};

describe('when readiness on drain is checked', () => {
  it('STRATEGY=none reads the profile readiness path: not checked without it, naming the field', () => {
    assert.equal(readinessNotChecked(referenceProfile, { rollout: true, strategy: 'none' }), null);
    const notChecked = notCheckedBy(withoutReadiness, { rollout: true, strategy: 'none' });
    assert.deepEqual(
      notChecked.map((n) => [n.metric, n.reason]),
      [
        ['zd_readiness_on_drain', 'the profile lacks http.readiness'],
        ['zd_readiness_served_after_unready', 'the profile lacks http.readiness'],
      ],
    );
  });

  it('rolling reads EndpointSlices (no profile field); rainbow and runs without a rollout are not checked', () => {
    assert.equal(readinessNotChecked(withoutReadiness, { rollout: true, strategy: 'rolling' }), null);
    assert.match(
      readinessNotChecked(referenceProfile, { rollout: true, strategy: 'rainbow' }) ?? '',
      /^STRATEGY=rainbow: old pods leave the Service at the selector switch/,
    );
    assert.equal(
      readinessNotChecked(referenceProfile, { rollout: false, strategy: 'rolling' }),
      'this run replaces no pods',
    );
  });

  it('its thresholds are left out when not checked, and its guard holds a checked run to account', () => {
    const profile = validateThresholdProfile('strict', strict);
    const config = { httpUsers: 1, wsUsers: 1, rollouts: 1 };
    const checked = guardsFor(config, { rollout: true, audit: true, readiness: true });
    assert.ok(checked.some((g) => g.metric === 'zd_readiness_pods' && g.threshold === 'count>0'));
    const thresholds = thresholdsFor(profile, checked, { audit: true, notChecked: [] });
    assert.deepEqual(thresholds.zd_readiness_on_drain, ['count==0']);
    assert.deepEqual(thresholds.zd_readiness_served_after_unready, ['count==0']);

    const unchecked = guardsFor(config, { rollout: true, audit: true });
    assert.ok(!unchecked.some((g) => g.metric === 'zd_readiness_pods'));
    const without = thresholdsFor(profile, unchecked, {
      audit: true,
      notChecked: notCheckedBy(withoutReadiness, { rollout: true, strategy: 'none' }),
    });
    assert.equal(without.zd_readiness_on_drain, undefined);
  });

  it('a checked run gets one more VU: the readiness scenario', () => {
    const config = parseConfig(
      {
        BASE_URL: 'http://127.0.0.1:8080',
        REDIS_URL: 'redis://127.0.0.1:6379',
        HTTP_USERS: '2',
        WS_USERS: '0',
      },
      { requireRedis: true, newRunId: () => 'r' },
    );
    const { scenarios } = scenarioOptions(config, { http: 'h', rollout: 'r', readiness: 'watch' });
    assert.deepEqual(Object.keys(scenarios), ['http_users', 'rollout', 'readiness']);
    assert.equal(scenarios.readiness?.vus, 1);
    assert.equal(scenarios.readiness?.exec, 'watch');
  });
});

describe('profile http.readiness', () => {
  const base = {
    name: 'x',
    users: { prefix: 'x-', password: 'p' },
    http: {
      login: { path: '/login', body: { user: '{user}' } },
      identity: { path: '/me', user: 'name' },
      session: { cookie: 'sid' },
      unauthorizedStatuses: [401],
    },
  };

  it('is optional, and a path when given', () => {
    assert.equal(parseProfile(base, 'p.json').http.readiness, undefined);
    const given = parseProfile({ ...base, http: { ...base.http, readiness: { path: '/ready' } } }, 'p.json');
    assert.deepEqual(given.http.readiness, { path: '/ready' });
    assert.throws(
      () => parseProfile({ ...base, http: { ...base.http, readiness: { path: 'ready' } } }, 'p.json'),
      /http\.readiness\.path: expected a URL path starting with \//,
    );
  });
});

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 0);

function pod(overrides: Partial<PodReadinessVerdict>): PodReadinessVerdict {
  return {
    pod: 'pod-1',
    deletionStart: t0,
    unready: t0 + 500,
    lastServed: t0 + 2400,
    lastNewConnection: t0 - 300,
    connectionsClosed: t0 + 2500,
    closedBy: 'refused',
    exit: t0 + 2600,
    onDrain: null,
    servedAfterUnready: null,
    notJudged: null,
    ...overrides,
  };
}

const report: ReadinessReport = {
  source: 'the readiness path /readyz of each instance',
  boundMs: 15_000,
  graceMs: 2000,
  pods: [
    pod({}),
    pod({
      pod: 'pod-2',
      deletionStart: t0 + 4000,
      unready: null,
      lastServed: t0 + 6500,
      connectionsClosed: t0 + 6400,
      closedBy: 'closed sockets',
      exit: t0 + 6600,
      onDrain: 'readiness answered ready until it closed its connections, 2.4 s after its deletion started',
    }),
    pod({
      pod: 'pod-3',
      deletionStart: t0 + 8000,
      unready: null,
      lastServed: null,
      connectionsClosed: null,
      exit: null,
      notJudged: 'never seen ready: its readiness was not followed',
    }),
  ],
};

describe('readiness on drain in the reports', () => {
  it('text: one row per replaced pod, times after its deletion start, the verdict last', () => {
    assert.deepEqual(readinessLines(report), [
      'Readiness on drain, per replaced pod (from the readiness path /readyz of each instance; READINESS_BOUND 15.0 s, READINESS_GRACE 2.0 s; times after the deletion start)',
      '  pod    deletion start  unready  last request  connections closed       exit    verdict',
      '  pod-1  12:00:00.000    +0.5 s   +2.4 s        +2.5 s (refused)         +2.6 s  ✓',
      '  pod-2  12:00:04.000    never    +2.5 s        +2.4 s (sockets closed)  +2.6 s  ✗ readiness answered ready until it closed its connections, 2.4 s after its deletion started',
      '  pod-3  12:00:08.000    never    —             —                        —       – not judged: never seen ready: its readiness was not followed',
      '',
    ]);
    assert.deepEqual(readinessLines(undefined), []);
  });

  it('the text report carries the section before the diagnosis; without a check, none', () => {
    const text = textReport(mixedVerdict(), [], runMeta({ readiness: report }), null);
    assert.match(text, /\nReadiness on drain, per replaced pod .*\n {2}pod {4}deletion start/);
    assert.doesNotMatch(textReport(mixedVerdict(), [], runMeta(), null), /Readiness on drain/);
  });

  it('HTML: a table with a row per pod, the failed one marked, text escaped', () => {
    const hostile = { ...report, pods: [pod({ pod: '<pod>', onDrain: 'a & b' })] };
    const html = htmlReport(mixedVerdict(), [], [], [], runMeta({ readiness: hostile }));
    assert.match(html, /<h2>Readiness on drain<\/h2>/);
    assert.match(html, /<tr class="bad"><td>&lt;pod&gt;<\/td><td>12:00:00\.000<\/td><td>\+0\.5 s<\/td>/);
    assert.match(html, /<td>✗ a &amp; b<\/td>/);
    assert.doesNotMatch(htmlReport(mixedVerdict(), [], [], [], runMeta()), /Readiness on drain/);
  });
});
