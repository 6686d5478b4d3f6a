// The strict baseline for bench/suite.ts: minimal-mix.js's users packed USERS_PER_VU to a VU the way
// zero-downtime.js packs them (non-blocking requests, each user with its own cookie jar, many sockets per
// VU), still without zerodrop's tracking, so the ratio isolates the bookkeeping from the packing. Its
// WebSocket users send orders and match their acks as zerodrop's do (baseline-ws.js).
// Plain k6 JavaScript, no bundle.

import exec from 'k6/execution';
import http from 'k6/http';
import { setTimeout } from 'k6/timers';
import { feedUser } from './baseline-ws.js';

const duration = Number(__ENV.DURATION_S || 30);
const perVu = Number(__ENV.USERS_PER_VU);
const httpUserCount = Number(__ENV.HTTP_USERS || 300);
const wsUserCount = Number(__ENV.WS_USERS || 200);
const vus = (users) => ({
  executor: 'per-vu-iterations',
  vus: Math.ceil(users / perVu),
  iterations: 1,
  maxDuration: `${duration + 30}s`,
});
export const options = {
  // One idle keep-alive connection per user, as zero-downtime.js keeps (validator/settings/options.ts).
  batch: Math.max(20, perVu + 3),
  batchPerHost: Math.max(6, perVu + 3),
  summaryTrendStats: ['med', 'p(99)'],
  // A kind of user with none (HTTP_USERS=0 or WS_USERS=0) gets no scenario: k6 refuses one of 0 VUs.
  scenarios: Object.fromEntries(
    [
      ['http_users', { ...vus(httpUserCount), exec: 'httpUsers' }],
      ['ws_users', { ...vus(wsUserCount), exec: 'wsUsers' }],
    ].filter(([, scenario]) => scenario.vus > 0),
  ),
};

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function usersOfVu(users) {
  const numbers = [];
  for (let n = exec.scenario.iterationInTest + 1; n <= users; n += Math.ceil(users / perVu)) numbers.push(n);
  return numbers;
}

function login(name, jar) {
  return http.asyncRequest(
    'POST',
    `${__ENV.BASE_URL}/login`,
    JSON.stringify({ username: name, password: 'zerodrop-synthetic' }),
    { jar, headers: { 'Content-Type': 'application/json' } },
  );
}

async function httpUser(n) {
  const jar = new http.CookieJar();
  await login(`zd-user-mh${n}`, jar);
  const end = Date.now() + duration * 1000;
  while (Date.now() < end) {
    await http.asyncRequest('GET', `${__ENV.BASE_URL}/api/me`, null, { jar });
    await pause(500 + Math.random() * 1000);
  }
}

async function wsUser(n) {
  const jar = new http.CookieJar();
  await login(`zd-user-mw${n}`, jar);
  await feedUser(`zd-user-mw${n}`, jar, duration * 1000);
}

export async function httpUsers() {
  await Promise.all(usersOfVu(httpUserCount).map(httpUser));
}

export async function wsUsers() {
  await Promise.all(usersOfVu(wsUserCount).map(wsUser));
}
