/** The JS modules built into k6 v2.2 (internal/js/jsmodules.go), minus the removed and deprecated ones. */
export const k6Modules = [
  'k6',
  'k6/browser',
  'k6/crypto',
  'k6/crypto/x509',
  'k6/data',
  'k6/encoding',
  'k6/execution',
  'k6/html',
  'k6/http',
  'k6/metrics',
  'k6/net/grpc',
  'k6/secrets',
  'k6/timers',
  'k6/websockets',
  'k6/ws',
  'k6/experimental/csv',
  'k6/experimental/fs',
  'k6/experimental/streams',
] as const;

/**
 * The extensions Grafana Cloud k6 load zones provide that zerodrop uses: official ones only (Grafana's
 * "Explore extensions": official tier, cloud support ✓). Community extensions run there only with
 * `--local-execution` or on a private load zone; zerodrop's own (k6/x/kubernetes, k6/x/zerodrop) never.
 */
export const loadZoneExtensions = ['k6/x/redis'] as const;
