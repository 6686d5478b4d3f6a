// The baseline for bench/suite.ts: the same VU mix as zero-downtime.js (HTTP users polling the identity
// endpoint, WebSocket users reading the feed) with none of zerodrop's tracking, so the RSS ratio shows
// what zerodrop's bookkeeping costs. Its WebSocket users send orders and match their acks as zerodrop's
// do (baseline-ws.js). Plain k6 JavaScript, no bundle.

import { sleep } from 'k6';
import http from 'k6/http';
import { feedUser } from './baseline-ws.js';

const duration = Number(__ENV.DURATION_S || 30);
const vus = (n) => ({
  executor: 'per-vu-iterations',
  vus: n,
  iterations: 1,
  maxDuration: `${duration + 30}s`,
});
export const options = {
  summaryTrendStats: ['med', 'p(99)'],
  scenarios: {
    http_users: { ...vus(Number(__ENV.HTTP_USERS || 300)), exec: 'httpUser' },
    ws_users: { ...vus(Number(__ENV.WS_USERS || 200)), exec: 'wsUser' },
  },
};

function login(name) {
  http.post(`${__ENV.BASE_URL}/login`, JSON.stringify({ username: name, password: 'zerodrop-synthetic' }), {
    headers: { 'Content-Type': 'application/json' },
  });
}

export function httpUser() {
  login(`zd-user-m${__VU}`);
  const end = Date.now() + duration * 1000;
  while (Date.now() < end) {
    http.get(`${__ENV.BASE_URL}/api/me`);
    sleep(0.5 + Math.random());
  }
}

export async function wsUser() {
  login(`zd-user-m${__VU}`);
  await feedUser(`zd-user-m${__VU}`, null, duration * 1000);
}
