/**
 * Known-bad modes: deliberate, real regressions the validator must catch. Selected with BAD_MODE;
 * `none` is the correct service. Each mode is implemented where the code it breaks lives, and named
 * here with what it breaks.
 */
export const BAD_MODES = [
  'none',
  'memory-sessions',
  'abrupt-shutdown',
  'no-resume',
  'pod-affinity',
  'racy-logout',
  'no-cookie-guard',
  'no-order-dedup',
  'short-ttl',
  'readiness-stays-ready',
  'rare-loss',
] as const;

export type BadMode = (typeof BAD_MODES)[number];

export const BAD_MODE_DESCRIPTIONS: Record<BadMode, string> = {
  none: 'correct service',
  'memory-sessions': 'sessions live in process memory instead of Redis (seed 001)',
  'abrupt-shutdown': 'exits at once on SIGTERM: no drain, no 1001 close',
  'no-resume': 'ignores lastId on reconnect, so entries published while a client was away are lost',
  'pod-affinity': 'a session is only accepted on the pod that created it (seed 000 pattern 2)',
  'racy-logout':
    'logout is check-then-act with a "null" tombstone and requests re-save the session read-modify-write (seed 000 pattern 3)',
  'no-cookie-guard': 'an empty session cookie is dereferenced without a guard: 500 (seed 000 pattern 1)',
  'no-order-dedup': 'a resent order is applied again and acked as applied',
  'short-ttl':
    'sessions expire 20 s after login whatever the activity (a TTL cut to 20 s and no longer sliding)',
  'readiness-stays-ready':
    '/readyz answers 200 through the drain: readiness checks Redis only, not the shutdown (the pod stays a ready endpoint until it stops listening)',
  'rare-loss':
    'the live feed fan-out skips one delivery in 1,000 (every 1,000th on each process): a loss only a run of thousands of messages sees',
};
