/**
 * bin/k6 delivers the frames a server sends in a WebSocket's first milliseconds (a greeting, a resume
 * replay). Stock k6 v2.2 queues a socket's open event after starting its read loop and drops, unseen, any
 * message read before it; when the server's close is read first too, the open event never fires at all.
 * build/k6-patches/ fixes it. The exact check is the first: bin/k6 was built from the patched copy. The
 * probe (slow tier) cannot prove a rate of zero: stock k6 loses about 1 socket in 20,000–50,000 here
 * (bench/k6-first-frames.ts), so two minutes of sockets catch a build without the fix most of the time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { greetingServer, probeFirstFrames } from '../support/first-frames.ts';
import { k6Binary } from '../support/k6.ts';
import { slow } from '../support/tier.ts';

const servers: { close(): void }[] = [];
after(() => {
  for (const server of servers) server.close();
});

test('bin/k6 is built from the pinned k6 with build/k6-patches/ applied (its build info names the patched copy)', () => {
  const info = execFileSync('go', ['version', '-m', k6Binary], { encoding: 'utf8' });
  assert.match(info, /\tdep\tgo\.k6\.io\/k6\/v2\tv\d+\.\d+\.\d+\n\t=>\t\S*\/k6-source\t/);
});

test('no socket misses its first frames, with k6 busy (120 s)', {
  skip: slow,
  timeout: 300_000,
}, async () => {
  const server = await greetingServer();
  servers.push(server);
  const result = await probeFirstFrames(k6Binary, server.url, 120, { wsVus: 150, busyVus: 50 });
  assert.ok(result.upgraded >= 10_000, `too few sockets to mean anything: ${JSON.stringify(result)}`);
  assert.equal(result.missed, 0, `sockets that lost their first frames: ${JSON.stringify(result)}`);
  assert.equal(result.failed, 0, `upgrades that failed: ${JSON.stringify(result)}`);
});
