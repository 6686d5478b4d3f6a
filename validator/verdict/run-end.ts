/**
 * What only VU 0 runs at the end of a run: the readiness-on-drain verdict and the Redis audit
 * (teardown), and the reports (handleSummary).
 * Bundled on its own into dist/run-end.cjs (build/bundle.ts) and loaded by run-end-loader.ts in VU 0's
 * init context only, so the VUs that carry the load never instantiate it.
 */
export { judgeReadinessOnDrain } from '../readiness/teardown.ts';
export { auditStore } from './audit.ts';
export { summarize } from './summary.ts';
