/** The k6 web dashboard's export beside the reports: the launchers' settings and the report's link. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardBeside, dashboardEnv } from '../../validator/verdict/report/dashboard.ts';

describe('dashboardEnv', () => {
  it('writes the export into the run folder, serving on a free loopback port', () => {
    assert.deepEqual(dashboardEnv('/repo/reports/run-1/'), {
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_HOST: '127.0.0.1',
      K6_WEB_DASHBOARD_PORT: '0',
      K6_WEB_DASHBOARD_PERIOD: '2s',
      K6_WEB_DASHBOARD_EXPORT: '/repo/reports/run-1/dashboard.html',
    });
  });

  it('keeps the caller’s dashboard settings, and K6_WEB_DASHBOARD=false turns it off', () => {
    const env = dashboardEnv('reports/r', { K6_WEB_DASHBOARD_PERIOD: '10s', K6_WEB_DASHBOARD_PORT: '5665' });
    assert.equal(env.K6_WEB_DASHBOARD_PERIOD, '10s');
    assert.equal(env.K6_WEB_DASHBOARD_PORT, '5665');
    assert.deepEqual(dashboardEnv('reports/r', { K6_WEB_DASHBOARD: 'false' }), {});
  });
});

describe('dashboardBeside', () => {
  const on = (file: string) => ({ K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_EXPORT: file });

  it('names the export when k6 writes it into the run folder, relative or absolute', () => {
    assert.equal(
      dashboardBeside(on('/repo/reports/run-1/dashboard.html'), 'reports/run-1'),
      'dashboard.html',
    );
    assert.equal(dashboardBeside(on('reports/run-1/dash.html'), '/repo/reports/run-1'), 'dash.html');
    assert.equal(dashboardBeside(on('./reports/run-1/dashboard.html'), 'reports/run-1/'), 'dashboard.html');
  });

  it('links nothing of another folder, without the dashboard, or without an export', () => {
    assert.equal(dashboardBeside(on('/repo/reports/run-2/dashboard.html'), 'reports/run-1'), null);
    assert.equal(dashboardBeside(on('/tmp/dashboard.html'), 'reports/run-1'), null);
    assert.equal(dashboardBeside(on('dashboard.html'), 'reports/run-1'), null);
    assert.equal(
      dashboardBeside({ K6_WEB_DASHBOARD_EXPORT: 'reports/run-1/dashboard.html' }, 'reports/run-1'),
      null,
    );
    assert.equal(dashboardBeside({ K6_WEB_DASHBOARD: 'true' }, 'reports/run-1'), null);
  });
});
