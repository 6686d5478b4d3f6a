/**
 * The slow tier: cases that add little to what the default `make test` already proves (another packing
 * of the same users, a bad mode proven elsewhere too) run only under `make test-full` (ZD_TIER=full).
 * Use as a test's skip: `{ skip: slow }`.
 */
export const slow: false | string =
  process.env.ZD_TIER === 'full' ? false : 'slow tier: make test-full runs it';
