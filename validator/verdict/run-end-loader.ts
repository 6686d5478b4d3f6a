/**
 * run-end.ts (the audit and the reports), loaded only where it runs. k6 runs setup(), teardown() and
 * handleSummary() each in a VU of id 0, and instantiates every top-level function and object of the
 * script in every VU: bundled into the entries, the report code (≈ 40 KB, its diagnosis texts included)
 * cost each load VU memory it never used. So it is its own file, dist/run-end.cjs, required in the init
 * context of VU 0 only. k6 resolves it when the first VU (id 0) initializes, so `k6 archive`, Grafana
 * Cloud k6 and the k6-operator's ConfigMap (operator/testrun.ts) carry it beside the script.
 */
import type * as RunEnd from './run-end.ts';

const loaded: typeof RunEnd | null = __VU === 0 ? (require('./run-end.cjs') as typeof RunEnd) : null;

/** `use` of the run-end module in VU 0; null in every other VU. */
export function inVuZero<T>(use: (module: typeof RunEnd) => T): T | null {
  return loaded ? use(loaded) : null;
}

/** The run-end module; throws outside VU 0 (a load VU never needs it). */
export function runEnd(): typeof RunEnd {
  if (!loaded) throw new Error('run-end.cjs is loaded in VU 0 only (setup, teardown, handleSummary)');
  return loaded;
}
