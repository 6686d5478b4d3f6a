/**
 * How often k6 drops the frames a server sends in a WebSocket's first milliseconds, for bin/k6 and for
 * every BENCH_COMPARE_K6 binary, side by side in one invocation (rounds alternate between them): the
 * first-frames probe (test/support/first-frames.ts) against a local server that greets 2 ms after each
 * upgrade, with k6 busy. Prints, per binary, sockets upgraded, sockets that missed their
 * first frames, the rate, and the rate's 95 % upper bound when none did; and the machine's core count
 * and load average.
 * Run: npx tsx bench/k6-first-frames.ts   (after make k6)
 * Env: BENCH_COMPARE_K6=/path/to/k6[,…] (stock k6 with the same extensions:
 *      npx tsx build/build-k6.ts --without-patches --output /tmp/k6-stock),
 *      BENCH_SECONDS per round (120), BENCH_ROUNDS (2), BENCH_WS_USERS (150), BENCH_BUSY_USERS (50).
 */
import { cpus, loadavg } from 'node:os';
import { greetingServer, probeFirstFrames } from '../test/support/first-frames.ts';
import { k6Binary } from '../test/support/k6.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const load = {
  wsVus: Number(process.env.BENCH_WS_USERS ?? 150),
  busyVus: Number(process.env.BENCH_BUSY_USERS ?? 50),
};
const binaries = [k6Binary, ...(process.env.BENCH_COMPARE_K6 ?? '').split(',').filter(Boolean)];

const load0 = loadavg()[0]?.toFixed(1);
const server = await greetingServer();
const totals = new Map(binaries.map((k6) => [k6, { upgraded: 0, missed: 0, neverOpened: 0 }]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const k6 of binaries) {
      const result = await probeFirstFrames(k6, server.url, seconds, load);
      const total = totals.get(k6) as { upgraded: number; missed: number; neverOpened: number };
      total.upgraded += result.upgraded;
      total.missed += result.missed;
      total.neverOpened += result.neverOpened;
      console.log(
        `round ${round}/${rounds} ${k6}: ${result.missed} of ${result.upgraded} sockets missed their first frames (${result.neverOpened} never opened)`,
      );
    }
  }
} finally {
  server.close();
}
console.log(
  `\nk6 first frames: ${rounds} × ${seconds} s, ${load.wsVus} socket users + ${load.busyVus} busy users, ` +
    `${cpus().length} cores, load average ${load0} before → ${loadavg()[0]?.toFixed(1)} after`,
);
for (const [k6, { upgraded, missed, neverOpened }] of totals) {
  // No miss in n sockets: the rate is below 3/n at 95 % confidence (the rule of three).
  const rate =
    missed > 0
      ? `1 in ${Math.round(upgraded / missed).toLocaleString('en')}`
      : `< 1 in ${Math.round(upgraded / 3).toLocaleString('en')} (95 %)`;
  console.log(
    `  ${k6}: ${missed} of ${upgraded.toLocaleString('en')} sockets missed their first frames (${neverOpened} never opened): ${rate}`,
  );
}
