/**
 * What a late tick of the lag monitor stands for. A tick due every `tickMs` that runs `lateMs` late
 * measured that lag, and the ticks that would have run meanwhile were starved by the same backlog: each
 * would have measured a lag that much smaller. Recording them all is the correction for coordinated
 * omission that HdrHistogram's recordValueWithExpectedInterval makes; without it a saturated VU records
 * one sample per long stall against four a second while it keeps up, and the lag's p99 hides a
 * 40-second stall. Pure: no k6 imports.
 */

/** At most this many samples for one tick (a minute of missed 250-ms ticks). */
const maxSamples = 240;

/** The lags a tick `lateMs` late records: its own, then one for each tick it stands in for. */
export function lagSamples(lateMs: number, tickMs: number): number[] {
  const samples = [Math.max(0, lateMs)];
  for (let lag = lateMs - tickMs; lag > 0 && samples.length < maxSamples; lag -= tickMs) samples.push(lag);
  return samples;
}
