/**
 * The pre-flight checks that need no community extension — stopping setup() with one line, and the
 * target's answer without a session — so the load-only entries that run on Grafana Cloud load zones
 * (load.ts) import them without the cluster checks' k6/x/kubernetes (preflight.ts re-exports them).
 */
import exec from 'k6/execution';
import http from 'k6/http';
import type { TargetProfile } from '../profile/profile.ts';
import { redact } from '../settings/redact.ts';
import type { Config } from '../settings/registry.ts';
import { unauthorizedExpected } from '../users/users.ts';

let onStop: (reason: string) => void = () => {};

/** Lets an entry keep the reason setup() stopped, for the reports handleSummary writes in another VU. */
export function whenSetupStops(hook: (reason: string) => void): void {
  onStop = hook;
}

/** Stops the run from setup() (exit 108) with one line naming the setting, without credentials. */
export function stopSetup(setting: string, problem: string): never {
  const reason = redact(`${setting}: ${problem}`);
  onStop(reason);
  exec.test.abort(reason);
  throw new Error('unreachable: test.abort returned');
}

export function checkTarget(config: Config, profile: TargetProfile): void {
  const url = `${config.baseUrl}${profile.http.identity.path}`;
  const res = http.get(url, {
    jar: new http.CookieJar(),
    tags: { flow: 'preflight' },
    timeout: '10s',
    responseCallback: unauthorizedExpected(profile),
  });
  if (res.status === 0) stopSetup('BASE_URL', `${config.baseUrl} is unreachable (${res.error})`);
  if (!profile.http.unauthorizedStatuses.includes(res.status)) {
    stopSetup(
      'BASE_URL',
      `${url} without a session answered ${res.status}, expected ${profile.http.unauthorizedStatuses.join('/')}: is this the right service and PROFILE?`,
    );
  }
}
