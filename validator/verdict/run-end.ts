/**
 * What only VU 0 runs: at the end of a run the readiness-on-drain verdict and the Redis audit
 * (teardown), and the reports (handleSummary); at its start, the reading and checking of the settings
 * (shared with the other VUs through settings/shared.ts), the verdict's plan (its guards and thresholds,
 * which k6 reads from VU 0's options), and setup's plan of a PROVE_LOSS_BELOW run. Bundled on its own
 * into dist/run-end.cjs (build/bundle.ts) and loaded by run-end-loader.ts in VU 0's init context only,
 * so the VUs that carry the load never instantiate it.
 */
export { judgeReadinessOnDrain } from '../readiness/teardown.ts';
export { loadSettings } from '../settings/settings.ts';
export { auditStore } from './audit.ts';
export { proofPlan } from './bounds.ts';
export { verdictPlan } from './invariants.ts';
export { summarize } from './summary.ts';
