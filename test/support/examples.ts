/**
 * The foreign example services (examples/<name>/): how to start one instance, the profile written for it
 * from docs/profiles.md alone, and the invariants of which at least one must fail for each of its faults.
 * The no-Kubernetes tier and the embedded cluster tests share this table.
 */

import { join } from 'node:path';
import { repoRoot as repo } from '../../tools/paths.ts';
import type { InvariantMetric } from '../../validator/verdict/catalog.ts';
import type { SignatureId } from '../../validator/verdict/report/diagnosis.ts';
import type { StartAppOptions } from './app-process.ts';

export type Fault = 'memory-sessions' | 'no-replay' | 'abrupt-exit' | 'double-apply' | 'logout-keeps-session';
/** The five every example has, and the ones only some have. */
export type ExampleFault = Fault | 'readiness-stays-ready';

export interface Example {
  name: string;
  /** Absolute path of its zerodrop profile. */
  profile: string;
  service: Pick<StartAppOptions, 'command' | 'cwd' | 'readyPath' | 'readyTimeoutMs'>;
  /** Instances behind the load balancer (a JVM start costs seconds of CPU on two cores). */
  replicas: number;
  /** Its settings besides PORT, HOST, POD_NAME and REDIS_URL. */
  env: Record<string, string>;
  /** zerodrop settings this service needs beyond the tier's. */
  k6: Record<string, string>;
  faults: Record<Fault, InvariantMetric[]> & Partial<Record<ExampleFault, InvariantMetric[]>>;
}

/** The password the examples accept (USER_PASSWORD) and the profiles send. */
export const examplePassword = 'zerodrop-synthetic';

/** The same five slips in every stack, caught by the same invariants. */
const faults: Record<Fault, InvariantMetric[]> = {
  'memory-sessions': ['zd_auth_lost', 'zd_audit_sessions_missing'],
  'no-replay': ['zd_msgs_lost'],
  'abrupt-exit': ['zd_ws_abnormal_closes', 'zd_http_conn_errors', 'zd_http_5xx'],
  'double-apply': ['zd_orders_applied_twice', 'zd_audit_orders_not_once'],
  'logout-keeps-session': ['zd_logout_ineffective', 'zd_audit_logged_out_alive'],
};

const node = (
  name: string,
  entry: string,
  readyPath: string,
  extra: Partial<Record<ExampleFault, InvariantMetric[]>> = {},
): Example => ({
  name,
  profile: join(repo, 'examples', name, 'zerodrop.json'),
  service: { command: [process.execPath, entry], cwd: join('examples', name), readyPath },
  replicas: 3,
  env: { USER_PASSWORD: examplePassword, DRAIN_MS: '1000', FEED_INTERVAL_MS: '100' },
  k6: {},
  faults: { ...faults, ...extra },
});

/** Spring Boot from the jar examples/install.sh extracted, with its class data sharing archive. */
const spring: Example = {
  name: 'spring-session',
  profile: join(repo, 'examples/spring-session/zerodrop.json'),
  service: {
    command: [
      'java',
      '-Xmx256m',
      '-Xss512k',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-XX:SharedArchiveFile=target/cds/app.jsa',
      '-jar',
      'target/cds/app/spring-session-example.jar',
    ],
    cwd: 'examples/spring-session',
    readyPath: '/actuator/health/readiness',
    readyTimeoutMs: 120_000,
  },
  replicas: 2,
  env: { USER_PASSWORD: examplePassword, DRAIN_MS: '1000', FEED_INTERVAL_MS: '100' },
  // Its logouts are raced like every service's (LOGOUT_RACES default): the example handles Spring Session's
  // logout race itself (examples/spring-session/.../session/, docs/decisions.md). A JVM instance starts in
  // 10-20 s on an idle 2-core machine and several times that on a loaded one: the rollout gets 4 minutes,
  // not the tier's 90 s.
  k6: { ROLLOUT_TIMEOUT: '4m' },
  faults,
};

/** The diagnosis signature (validator/verdict/report/diagnosis.ts) each fault's report must name. */
export const faultDiagnoses: Record<ExampleFault, SignatureId> = {
  'memory-sessions': 'sessions-not-shared',
  'no-replay': 'resume-cursor',
  'abrupt-exit': 'abrupt-close',
  'double-apply': 'order-dedupe',
  'logout-keeps-session': 'logout-cookie-only',
  'readiness-stays-ready': 'readiness-on-drain',
};

export const examples: Example[] = [
  // Readiness that checks only Redis, as many health checks do: it stays 200 through the drain.
  node('express-ws', 'server.js', '/healthz/ready', { 'readiness-stays-ready': ['zd_readiness_on_drain'] }),
  node('socketio', 'src/server.js', '/ready'),
  spring,
];
