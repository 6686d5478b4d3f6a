/** The exact one-sided Clopper–Pearson bound, the run size a goal needs, and PROVE_LOSS_BELOW. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import { ConfigError } from '../../validator/settings/parse.ts';
import { parseConfig } from '../../validator/settings/registry.ts';
import {
  formatCount,
  formatRate,
  proofPlan,
  proofProblem,
  trialsToProve,
  upperBound,
} from '../../validator/verdict/bounds.ts';
import { guardsFor } from '../../validator/verdict/invariants.ts';

/** An independent reference: the binomial CDF summed term by term, bisected for P(X ≤ k) = 0.05. */
function referenceBound(k: number, n: number): number {
  const cdf = (p: number) => {
    let term = n * Math.log1p(-p);
    let sum = Math.exp(term);
    for (let i = 1; i <= k; i++) {
      term += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
      sum += Math.exp(term);
    }
    return sum;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

const close = (actual: number, expected: number, relative = 1e-9) =>
  assert.ok(
    Math.abs(actual - expected) <= relative * expected,
    `expected ${expected}, got ${actual} (relative error ${Math.abs(actual - expected) / expected})`,
  );

describe('upperBound', () => {
  it('k = 0 is 1 − 0.05^(1/n): n = 3,000 → 9.98e-4, n = 120,466 → 2.49e-5 (≈ 3/n)', () => {
    close(upperBound(0, 3000), 9.980790119965865e-4);
    assert.equal(upperBound(0, 3000).toPrecision(3), '0.000998');
    assert.equal(upperBound(0, 120_466).toPrecision(3), '0.0000249');
    close(upperBound(0, 120_466), 1 - 0.05 ** (1 / 120_466));
    assert.ok(Math.abs(upperBound(0, 1e6) * 1e6 - 3) < 0.01, 'the rule of three');
  });

  it('k > 0 matches the binomial CDF summed term by term', () => {
    for (const [k, n] of [
      [1, 100],
      [5, 1000],
      [3, 120_466],
      [50, 10_000],
      [10, 20],
      [199, 200],
    ] as const)
      close(upperBound(k, n), referenceBound(k, n), 1e-8);
  });

  it('known values of the Beta quantile: Beta⁻¹(0.95; 2, 99) = 0.04656, Beta⁻¹(0.95; 6, 995) = 0.01048', () => {
    assert.equal(upperBound(1, 100).toFixed(5), '0.04656');
    assert.equal(upperBound(5, 1000).toFixed(5), '0.01048');
  });

  it('every event seen gives 1; bad input is refused', () => {
    assert.equal(upperBound(7, 7), 1);
    assert.throws(() => upperBound(0, 0), RangeError);
    assert.throws(() => upperBound(3, 2), RangeError);
    assert.throws(() => upperBound(-1, 2), RangeError);
    assert.throws(() => upperBound(0.5, 2), RangeError);
  });

  it('grows with k and shrinks with n', () => {
    assert.ok(upperBound(1, 1000) > upperBound(0, 1000));
    assert.ok(upperBound(1, 2000) < upperBound(1, 1000));
  });
});

describe('trialsToProve', () => {
  it('is the fewest loss-free trials whose bound is under the goal', () => {
    for (const goal of [1e-2, 1e-4, 2.5e-5, 1e-6]) {
      const n = trialsToProve(goal);
      assert.ok(upperBound(0, n) < goal, `${n} proves ${goal}`);
      assert.ok(upperBound(0, n - 1) >= goal, `${n - 1} does not prove ${goal}`);
    }
    assert.equal(trialsToProve(1e-4), 29_956);
  });
});

describe('formatRate and formatCount', () => {
  it('rounds up to two significant digits, with a power of ten below 1 %', () => {
    assert.equal(formatRate(upperBound(0, 120_466)), '2.5 × 10⁻⁵');
    assert.equal(formatRate(upperBound(0, 3000)), '1.0 × 10⁻³');
    assert.equal(formatRate(6.3245e-3), '6.4 × 10⁻³');
    assert.equal(formatRate(1e-4), '1.0 × 10⁻⁴');
    assert.equal(formatRate(0.046559), '4.7 %');
    assert.equal(formatRate(0.25), '25 %');
    assert.equal(formatRate(1), '100 %');
  });

  it('groups thousands', () => {
    assert.equal(formatCount(120_466), '120,466');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1_000_000), '1,000,000');
  });
});

describe('PROVE_LOSS_BELOW', () => {
  const env = { BASE_URL: 'http://svc:8080', REDIS_URL: 'redis://r:6379' };
  const parse = (value: string) =>
    parseConfig({ ...env, PROVE_LOSS_BELOW: value }, { requireRedis: true, newRunId: () => 'id' });

  it('takes a rate strictly between 0 and 1', () => {
    assert.equal(parse('1e-4').proveLossBelow, 1e-4);
    assert.equal(parse('0.001').proveLossBelow, 0.001);
    assert.equal(parseConfig(env, { requireRedis: true, newRunId: () => 'id' }).proveLossBelow, null);
  });

  for (const bad of ['0', '1', '-1e-4', '2', 'abc', ' ', '1e-4x', 'NaN', 'Infinity'])
    it(`refuses ${JSON.stringify(bad)} with one line naming it`, () => {
      assert.throws(
        () => parse(bad),
        (error: unknown) =>
          error instanceof ConfigError &&
          /^PROVE_LOSS_BELOW: must be a rate between 0 and 1 \(exclusive\), e\.g\. 1e-4 \(got '.*'\)$/.test(
            error.message,
          ),
      );
    });

  it('needs feed messages: a profile with a feed and WebSocket users', () => {
    assert.equal(proofProblem({ proveLossBelow: 1e-4, wsUsers: 10 }, true), null);
    assert.equal(proofProblem({ proveLossBelow: null, wsUsers: 0 }, false), null);
    assert.match(proofProblem({ proveLossBelow: 1e-4, wsUsers: 10 }, false) ?? '', /websocket\.frames\.feed/);
    assert.match(proofProblem({ proveLossBelow: 1e-4, wsUsers: 0 }, true) ?? '', /WS_USERS is 0/);
  });

  it('adds a guard on the feed messages the goal needs', () => {
    const guards = guardsFor(
      { httpUsers: 1, wsUsers: 2, rollouts: 1, proveLossBelow: 1e-4 },
      { rollout: false, audit: false, profile: referenceProfile },
    );
    const proof = guards.find((g) => g.threshold === 'count>=29956');
    assert.equal(proof?.metric, 'zd_msgs_received');
    assert.match(proof?.title ?? '', /prove a loss rate below 0\.0001 \(≥ 29,956 feed messages\)/);
    const without = guardsFor(
      { httpUsers: 1, wsUsers: 2, rollouts: 1, proveLossBelow: null },
      { rollout: false, audit: false, profile: referenceProfile },
    );
    assert.ok(!without.some((g) => g.threshold.startsWith('count>=') && g.metric === 'zd_msgs_received'));
  });

  it('the start line sizes the run and says the feed rate is not known yet', () => {
    const line = proofPlan({ proveLossBelow: 1e-4, wsUsers: 200, baselineMs: 20_000, cooldownMs: 15_000 });
    assert.match(
      line,
      /^PROVE_LOSS_BELOW=0\.0001: the run must deliver ≥ 29,956 feed messages with none lost/,
    );
    assert.match(line, /200 WebSocket users × feed rate × duration: ≥ 150 per user/);
    assert.match(line, /≥ 4\.3 messages\/s per user over BASELINE \+ COOLDOWN \(35 s\)/);
    assert.match(line, /not known before the run, so the guard decides at the end$/);
  });
});
