/**
 * The k6 web dashboard's HTML export beside a run's reports (`reports/<run>/dashboard.html`): k6 v2 has
 * the dashboard built in, switched on by environment variables read when k6 starts, so the launchers
 * (deploy/validate.ts, the suite's harness) set them; the report links the file when it is this run's.
 * The dashboard's server listens on a free loopback port (port 0), so parallel runs never collide and
 * nothing is exposed beyond the machine. Pure: no k6 imports.
 */

export const dashboardFile = 'dashboard.html';

/**
 * The k6 settings that write the dashboard export to `<reportDir>/dashboard.html`. `env` is the caller's:
 * K6_WEB_DASHBOARD=false turns it off, and K6_WEB_DASHBOARD_* values set there are kept.
 */
export function dashboardEnv(
  reportDir: string,
  env: Record<string, string | undefined> = {},
): Record<string, string> {
  if (env.K6_WEB_DASHBOARD === 'false') return {};
  return {
    K6_WEB_DASHBOARD: 'true',
    K6_WEB_DASHBOARD_HOST: env.K6_WEB_DASHBOARD_HOST || '127.0.0.1',
    K6_WEB_DASHBOARD_PORT: env.K6_WEB_DASHBOARD_PORT || '0',
    // k6 stretches the period for long runs (at most 2,880 points); 2 s gives short runs a graph too.
    K6_WEB_DASHBOARD_PERIOD: env.K6_WEB_DASHBOARD_PERIOD || '2s',
    K6_WEB_DASHBOARD_EXPORT:
      env.K6_WEB_DASHBOARD_EXPORT || `${reportDir.replace(/\/+$/, '')}/${dashboardFile}`,
  };
}

/**
 * The export's file name when k6 writes it into `reportDir` (the run's folder), else null: the report
 * links only a dashboard of its own run. Paths may be relative on one side and absolute on the other.
 */
export function dashboardBeside(env: Record<string, string | undefined>, reportDir: string): string | null {
  const file = env.K6_WEB_DASHBOARD_EXPORT;
  if (env.K6_WEB_DASHBOARD !== 'true' || !file) return null;
  const cut = file.lastIndexOf('/');
  const name = file.slice(cut + 1);
  const folder = segments(cut < 0 ? '.' : file.slice(0, cut));
  const dir = segments(reportDir);
  if (!name || folder.length === 0 || dir.length === 0) return null;
  const [shorter, longer] = folder.length <= dir.length ? [folder, dir] : [dir, folder];
  const tail = longer.slice(longer.length - shorter.length);
  return shorter.every((s, i) => s === tail[i]) ? name : null;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}
