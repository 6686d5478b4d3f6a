import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { startApp } from './test/support/app-process.ts';
import { startRedis } from './test/support/redis.ts';
const r = await startRedis();
const app = await startApp({ entry: process.argv[2] ?? 'app/src/server.ts', env: { REDIS_URL: r.url, SYNTHETIC_USERS_PASSWORD: 'p', FEED_INTERVAL_MS: '100', DRAIN_SECONDS: '0', LOG_LEVEL: 'warn' } });
const cookies: string[] = [];
for (let i = 0; i < 250; i++) {
  const res = await fetch(`${app.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `zd-user-${i}`, password: 'p' }) });
  cookies.push(`zd_session=${((await res.json()) as any).sessionId}`);
}
const perSeq = new Map<number, number[]>();
let recording = false;
const sockets = await Promise.all(cookies.map((cookie) => new Promise<WebSocket>((resolve) => {
  const ws = new WebSocket(`${app.wsUrl}/ws`, { headers: { cookie } });
  ws.on('message', (d) => { const now = Date.now(); const m = JSON.parse(d.toString()); if (m.type === 'hello') resolve(ws); else if (m.type === 'feed' && recording) { let a = perSeq.get(m.seq); if (!a) perSeq.set(m.seq, a = []); a.push(now - m.ts); } });
})));
recording = true;
await new Promise((res) => setTimeout(res, 10000));
recording = false;
const rows = [...perSeq.values()].map((a) => [Math.min(...a), Math.max(...a)]);
const all = [...perSeq.values()].flat().sort((a, b) => a - b);
console.log('p50', all[Math.floor(all.length * 0.5)], 'p99', all[Math.floor(all.length * 0.99)], 'max', all.at(-1));
console.log('per tick min/max:', rows.slice(0, 100).map(([a, b]) => `${a}/${b}`).join(' '));
for (const ws of sockets) ws.terminate();
await app.stop(); await r.stop();
