/**
 * Bad input, through the real bin/k6: every invalid setting stops the run before any load with one line
 * naming the setting and an exit code that is not the threshold failure (99).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot as repo } from '../../tools/paths.ts';
import { k6Binary } from '../support/k6.ts';

const valid = { BASE_URL: 'http://127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9' };

function k6(script: string, env: Record<string, string>) {
  const result = spawnSync(k6Binary, ['run', '--quiet', '--no-color', path.join(repo, 'dist', script)], {
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.includes('level=error'));
  return { status: result.status, errors, output: `${result.stdout}\n${result.stderr}` };
}

/** The one k6 error line of a run, with its message unescaped. */
function message(errors: string[]): string {
  return /msg="((?:[^"\\]|\\.)*)"/.exec(errors[0] ?? '')?.[1]?.replace(/\\n$/, '') ?? '';
}

describe('invalid settings stop bin/k6 in the init context: exit 107, one line naming the setting', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['zero-downtime.js', { REDIS_URL: valid.REDIS_URL }, /^BASE_URL: is required/],
    ['zero-downtime.js', { ...valid, BASE_URL: 'localhost:8080' }, /^BASE_URL: must be an http/],
    ['zero-downtime.js', { BASE_URL: valid.BASE_URL }, /^REDIS_URL: is required/],
    ['zero-downtime.js', { ...valid, STRATEGY: 'blue-green' }, /^STRATEGY: unknown value 'blue-green'/],
    ['zero-downtime.js', { ...valid, THRESHOLDS: 'lenient' }, /^THRESHOLDS: unknown profile 'lenient'/],
    ['zero-downtime.js', { ...valid, PROFILE: 'shop' }, /^PROFILE: unknown profile 'shop'/],
    ['zero-downtime.js', { ...valid, PROFILE: '/nonexistent/profile.json' }, /^PROFILE: cannot read/],
    ['zero-downtime.js', { ...valid, NAMESPACE: 'Not_A_Name' }, /^NAMESPACE: must be a DNS-1123 label/],
    ['zero-downtime.js', { ...valid, STRATEGY: 'none' }, /^RUN_ID: is required with STRATEGY=none/],
    ['zero-downtime.js', { ...valid, HTTP_VUS: '300' }, /^HTTP_VUS: renamed to HTTP_USERS/],
    ['zero-downtime.js', { ...valid, USERS_PER_VU: '0' }, /^USERS_PER_VU: must be an integer from 1 to 1000/],
    ['load.js', { ...valid, LOAD_DURATION: 'soon' }, /^LOAD_DURATION: must be a duration/],
    ['zero-downtime.js', { ...valid, REDIS_URL: 'redis://%%%' }, /^REDIS_URL: cannot be parsed: .*escape/],
    [
      'zero-downtime.js',
      { ...valid, REDIS_URL: 'redis://:s3cret@127.0.0.1:9?dial_timeout=banana' },
      /^REDIS_URL: cannot be parsed: invalid dial_timeout duration/,
    ],
    ['zero-downtime.js', { ...valid, BASELINE: '100000000h' }, /^BASELINE: must be at most 24h/],
    [
      'zero-downtime.js',
      { ...valid, ROLLOUT_TIMEOUT: '99999999999999999999h' },
      /^ROLLOUT_TIMEOUT: must be at most 24h/,
    ],
    ['zero-downtime.js', { ...valid, ROLLOUTS: '0x10' }, /^ROLLOUTS: must be an integer/],
    ['zero-downtime.js', { ...valid, ROLLOUTS: '1e2' }, /^ROLLOUTS: must be an integer/],
    ['zero-downtime.js', { ...valid, NAMESPACE: 'n'.repeat(64) }, /^NAMESPACE: must be a DNS-1123 label/],
    ['zero-downtime.js', { ...valid, NAMESPACE: 'shop.prod' }, /^NAMESPACE: must be a DNS-1123 label/],
    [
      'zero-downtime.js',
      { ...valid, HTTP_USERS: '100000', WS_USERS: '100000', USERS_PER_VU: '1' },
      /^HTTP_USERS: 100000 HTTP \+ 100000 WebSocket users need about \d+\.\d GB of memory, this machine has/,
    ],
    ['load.js', { ...valid, LOAD_DURATION: '9999999999h' }, /^LOAD_DURATION: must be at most 24h/],
  ];
  for (const [script, env, expected] of cases) {
    test(`${script} ${JSON.stringify(env)}`, () => {
      const run = k6(script, env);
      assert.equal(run.status, 107, run.output);
      assert.equal(run.errors.length, 1, `expected one error line:\n${run.output}`);
      assert.match(message(run.errors), expected);
      assert.doesNotMatch(message(run.errors), /\\n\\tat /, 'no stack trace');
      assert.doesNotMatch(run.output, /s3cret/, 'no credentials');
    });
  }
});

describe('unreachable dependencies stop the run in setup(): exit 108, naming the setting', () => {
  test('an unreachable target names BASE_URL', () => {
    const run = k6('zero-downtime.js', valid);
    assert.equal(run.status, 108, run.output);
    assert.match(run.output, /test aborted: BASE_URL: http:\/\/127\.0\.0\.1:9 is unreachable/);
    assert.doesNotMatch(run.output, /zd_requests/, 'no load was generated');
  });
});
