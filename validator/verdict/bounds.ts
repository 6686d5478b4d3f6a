/**
 * What a passing run proves: the exact one-sided Clopper–Pearson upper bound on the rate of an event
 * seen k times in n trials, and the run size a stated bound needs. Pure: no k6 imports.
 */

/** The confidence of every statement zerodrop makes. */
export const confidence = 0.95;

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i++) sum += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/**
 * The exact one-sided upper bound on a rate after `k` events in `n` trials: the p at which seeing k or
 * fewer has probability 1 − `level` (P(X ≤ k | n, p) = I_{1−p}(n − k, k + 1)). k = 0 gives 1 − α^(1/n).
 */
export function upperBound(k: number, n: number, level = confidence): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n <= 0 || k > n)
    throw new RangeError(`upperBound: need integers 0 ≤ k ≤ n, n > 0 (got k=${k}, n=${n})`);
  const alpha = 1 - level;
  if (k === n) return 1;
  if (k === 0) return -Math.expm1(Math.log(alpha) / n);
  // P(X ≤ k) falls as p grows: bisect for the p where it equals α.
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(1 - mid, n - k, k + 1) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The fewest trials with no event that prove a rate below `rate` (the bound for k = 0 under it). */
export function trialsToProve(rate: number, level = confidence): number {
  let n = Math.max(1, Math.ceil(Math.log(1 - level) / Math.log1p(-rate)));
  // Floating point may put the closed form one off either way; settle it on the bound itself.
  while (n > 1 && upperBound(0, n - 1, level) < rate) n--;
  while (upperBound(0, n, level) >= rate) n++;
  return n;
}

const superscripts: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/**
 * A rate bound for people, rounded up (a bound shown must not claim more than was proven): two
 * significant digits, `2.5 × 10⁻⁵` below 0.01, a percentage above.
 */
export function formatRate(p: number): string {
  if (p >= 0.01) return `${trimZeros((Math.ceil(p * 1000) / 10).toFixed(1))} %`;
  let exponent = Math.floor(Math.log10(p));
  let mantissa = Math.ceil((p / 10 ** exponent) * 10 - 1e-9) / 10;
  if (mantissa >= 10) {
    mantissa /= 10;
    exponent++;
  }
  const power = String(exponent)
    .split('')
    .map((c) => superscripts[c] ?? c)
    .join('');
  return `${mantissa.toFixed(1)} × 10${power}`;
}

function trimZeros(text: string): string {
  return text.replace(/\.0$/, '');
}

/** 120466 → "120,466". */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Why PROVE_LOSS_BELOW cannot be honoured by this run's users and profile; null when it can. */
export function proofProblem(
  config: { proveLossBelow: number | null; wsUsers: number },
  hasFeed: boolean,
): string | null {
  if (config.proveLossBelow === null) return null;
  if (!hasFeed) return 'needs feed messages, and the target profile lacks websocket.frames.feed';
  if (config.wsUsers === 0) return 'needs feed messages, and WS_USERS is 0';
  return null;
}

/**
 * The line printed at the start of a run with PROVE_LOSS_BELOW: how many feed messages it must deliver
 * (users × feed rate × duration), and what feed rate per user that takes over the run's fixed part. The
 * feed rate is the service's and is not known before the run: the guard decides at the end.
 */
export function proofPlan(config: {
  proveLossBelow: number;
  wsUsers: number;
  baselineMs: number;
  cooldownMs: number;
}): string {
  const goal = config.proveLossBelow;
  const needed = trialsToProve(goal);
  const perUser = Math.ceil(needed / config.wsUsers);
  const fixedS = (config.baselineMs + config.cooldownMs) / 1000;
  const rate =
    fixedS > 0
      ? ` — e.g. ≥ ${(perUser / fixedS).toPrecision(2)} messages/s per user over BASELINE + COOLDOWN (${fixedS} s), less as the rollout adds time`
      : '';
  return `PROVE_LOSS_BELOW=${goal}: the run must deliver ≥ ${formatCount(needed)} feed messages with none lost (${config.wsUsers} WebSocket users × feed rate × duration: ≥ ${formatCount(perUser)} per user${rate}); the service's feed rate is not known before the run, so the guard decides at the end`;
}
