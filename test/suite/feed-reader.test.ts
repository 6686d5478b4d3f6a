/**
 * The native feed reader (k6/x/zerodrop's FeedReader) decides nothing the JavaScript reader would decide
 * otherwise: run in the real bin/k6 over the reference profile's and every example's feed frames, their
 * mutations and seeded random frames (fixtures/feed-reader.k6.ts), every frame it reads must be the feed
 * frame classifyFrame reads, a feed session must count exactly those frames when they come next, and the
 * reader must read each profile's plain frames (else the users never use it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { bundleFixture, runK6Script } from '../support/k6.ts';

interface Result {
  profiles: number;
  frames: number;
  native: number;
  plainRead: number;
  plainTotal: number;
  disagreements: string[];
  sessionDisagreements: string[];
}

test('the native feed reader reads only what classifyFrame reads as the same feed frame', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zd-feed-reader-'));
  try {
    const script = path.join(dir, 'feed-reader.js');
    await bundleFixture('test/suite/fixtures/feed-reader.k6.ts', script);
    const run = await runK6Script(script, {}, 120_000);
    assert.equal(run.exitCode, 0, run.output);
    const line = /feed-reader-result (\{.*\})"/.exec(run.output)?.[1];
    assert.ok(line, `no result line:\n${run.output}`);
    const result = JSON.parse(line.replaceAll('\\"', '"')) as Result;
    assert.deepEqual(result.disagreements, []);
    assert.deepEqual(result.sessionDisagreements, []);
    assert.equal(result.profiles, 4);
    assert.equal(result.plainRead, result.plainTotal, 'a plain feed frame was left to JavaScript');
    assert.ok(result.plainTotal >= 20 && result.native > result.plainTotal, JSON.stringify(result));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
