/**
 * Environment variables that shape a run: the reproduce command repeats them, and `make cloud` passes them
 * to k6 with `-e` (k6 cloud does not hand the shell's environment to the script). Pure: no k6 imports.
 */
export const runVariables = [
  'BASE_URL',
  'WS_URL',
  'REDIS_URL',
  'PROFILE',
  'THRESHOLDS',
  'STRATEGY',
  'ROLLOUTS',
  'ROLLOUT_TRIGGER',
  'ROLLOUT_IMAGE',
  'ROLLOUT_TIMEOUT',
  'BASELINE',
  'COOLDOWN',
  'DRAIN_WINDOW',
  'MAX_COLORS',
  'HTTP_USERS',
  'WS_USERS',
  'USERS_PER_VU',
  'HTTP_PACE',
  'ORDER_INTERVAL',
  'NEW_CONNECTION_SHARE',
  'NEGATIVE_AUTH_SHARE',
  'LOGOUT_SHARE',
  'NAMESPACE',
  'DEPLOYMENT',
  'SERVICE',
  'KUBECONFIG',
  'USER_PREFIX',
  'REPORT_DIR',
];
