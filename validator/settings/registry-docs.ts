/**
 * What each setting of the registry means and defaults to, as the README's settings table shows it.
 * Apart from registry.ts because the k6 bundles need only the parsers: this text would be compiled in
 * every VU. The type requires an entry for every setting, and no other.
 */
import { type SettingName, settingTable } from './registry.ts';

export const settingDocs: Record<SettingName, { default: string; meaning: string }> = {
  BASE_URL: {
    default: 'required',
    meaning: 'the service, e.g. `http://127.0.0.1:8080`',
  },
  WS_URL: {
    default: 'from `BASE_URL` + profile',
    meaning: 'WebSocket URL',
  },
  REDIS_URL: {
    default: 'required (`zero-downtime`, `rollout`)',
    meaning:
      "the session store to audit; also carries the run's control keys `zdrun:<RUN_ID>:*`; parsed at start by go-redis's own parser (options such as `?dial_timeout=5s` included); a password in it is never printed",
  },
  PROFILE: {
    default: '`reference`',
    meaning: 'target profile: built-in name or a `.json` path',
  },
  THRESHOLDS: {
    default: '`strict`',
    meaning:
      'threshold profile: a name in `thresholds/` or a path to your own `.json` (validated the same way)',
  },
  STRATEGY: {
    default: '`rolling`',
    meaning:
      '`rolling` (Deployment rolling update), `rainbow` (N-color: a new color, the Service switched, old colors drained) or `none` (an external actor rolls; see `docs/strategies.md`)',
  },
  ROLLOUTS: {
    default: '`1`',
    meaning: 'rollouts in sequence, 1 to 500 (seed 001 runs 50)',
  },
  ROLLOUT_TRIGGER: {
    default: '`restart`',
    meaning: '`restart` (pod-template annotation) or `image` (with `ROLLOUT_IMAGE`)',
  },
  ROLLOUT_IMAGE: {
    default: 'unset',
    meaning: 'the image each rollout sets (`ROLLOUT_TRIGGER=image`)',
  },
  ROLLOUT_TIMEOUT: {
    default: '`5m`',
    meaning: 'per rollout; a rollout that never starts (30 s) or stalls fails the run',
  },
  BASELINE: {
    default: '`20s`',
    meaning: 'load before the first rollout',
  },
  COOLDOWN: {
    default: '`15s`',
    meaning: 'load after the last rollout',
  },
  DRAIN_WINDOW: {
    default: '`20s`',
    meaning: 'rainbow: how long old colors keep draining after the Service switched',
  },
  MAX_COLORS: {
    default: '`2`',
    meaning: 'rainbow: colors alive at most, 2 to 10',
  },
  HTTP_USERS: {
    default: '`300`',
    meaning:
      "synthetic HTTP users (`HTTP_VUS` of earlier versions is refused, naming this setting); users the machine's available memory cannot hold are refused before any VU is built (`zero-downtime`)",
  },
  WS_USERS: {
    default: '`200`',
    meaning: 'synthetic WebSocket users (`WS_VUS` of earlier versions is refused, naming this setting)',
  },
  USERS_PER_VU: {
    default: '`25`',
    meaning:
      'users one k6 VU runs concurrently on its event loop (each with its own cookie jar); `1` gives one VU per user',
  },
  HTTP_PACE: {
    default: '`1s`',
    meaning: "mean time between an HTTP user's requests (at least 50ms)",
  },
  ORDER_INTERVAL: {
    default: '`2s`',
    meaning: "time between a WebSocket user's orders (at least 100ms)",
  },
  NEW_CONNECTION_SHARE: {
    default: '`0.2`',
    meaning: 'HTTP users that open a new connection per request',
  },
  NEGATIVE_AUTH_SHARE: {
    default: '`0.05`',
    meaning: 'HTTP users that also send empty/malformed cookies (a clean 401 expected)',
  },
  LOGOUT_SHARE: {
    default: '`0.05`',
    meaning: 'HTTP users that log out (with requests racing the logout) and back in during the rollout',
  },
  LOGOUT_RACES: {
    default: '`3`',
    meaning:
      "identity requests sent concurrently with each logout (seed 000's check-then-act race), 0 to 10; `0` logs out alone",
  },
  PROVE_LOSS_BELOW: {
    default: 'unset',
    meaning:
      'a loss rate the run must prove, e.g. `1e-4`: a guard fails a run that delivered too few feed messages for "none lost" to bound the loss rate below it at 95 % confidence (29,956 for 1e-4); a number in (0, 1)',
  },
  READINESS_BOUND: {
    default: '`15s`',
    meaning:
      "readiness on drain: the longest from a replaced pod's deletion start to its not-ready report (`zd_readiness_on_drain`; `docs/strategies.md`)",
  },
  READINESS_GRACE: {
    default: '`2s`',
    meaning:
      'readiness on drain: how long after its not-ready report a replaced pod may still accept a new connection (`zd_readiness_served_after_unready`)',
  },
  NAMESPACE: {
    default: 'from the profile',
    meaning: 'the namespace of the Deployment to roll (a DNS-1123 label: at most 63 characters, no dots)',
  },
  DEPLOYMENT: {
    default: 'from the profile',
    meaning: 'the Deployment to roll',
  },
  SERVICE: {
    default: 'from the profile',
    meaning: 'the Service whose selector a rainbow rollout switches (a DNS-1035 label)',
  },
  KUBECONFIG: {
    default: 'in-cluster, then `~/.kube/config`',
    meaning: 'cluster access for the driver',
  },
  USER_PREFIX: {
    default: 'from the profile',
    meaning: "the synthetic users' names: `<USER_PREFIX><n>`",
  },
  USER_PASSWORD: {
    default: 'from the profile',
    meaning: "the synthetic users' password; never printed, never in a report",
  },
  RUN_ID: {
    default: 'generated',
    meaning:
      "names the report folder and the control keys `zdrun:<RUN_ID>:*`, which hold the synthetic users' session ids: each expires the run's planned duration (baseline, every rollout's timeout, cooldown) plus about 14 minutes after its first write, and 5 minutes after the audit; one run per id; required with `STRATEGY=none`",
  },
  REPORT_DIR: {
    default: '`reports`',
    meaning: 'where reports go (`<REPORT_DIR>/<RUN_ID>/`)',
  },
  LOAD_DURATION: {
    default: '`2m`',
    meaning: '`load` without `REDIS_URL`: how long its users run',
  },
  SMOKE_DURATION: {
    default: '`10s`',
    meaning: '`smoke`: how long its two users run',
  },
};

/** The README's settings table, as Markdown. */
export function settingsTable(): string {
  const rows = settingTable().map(
    (s) => `| \`${s.env}\` | ${settingDocs[s.env].default} | ${settingDocs[s.env].meaning} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
