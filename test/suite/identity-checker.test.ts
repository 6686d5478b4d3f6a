/**
 * The native identity check (k6/x/zerodrop's IdentityChecker) takes no response the JavaScript check would
 * judge otherwise: run in the real bin/k6 over the reference profile's and every example's identity
 * responses, their mutations and seeded random ones (fixtures/identity-checker.k6.ts), served for real by
 * an echo server on a port chosen now, every response it takes as the expected one, checkIdentity takes
 * too, served by the same pod and color; and it takes each profile's plain responses (else the users
 * never use it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../support/free-port.ts';
import { bundleFixture, runK6Script } from '../support/k6.ts';

interface Result {
  profiles: number;
  responses: number;
  taken: number;
  plainTaken: number;
  plainTotal: number;
  disagreements: string[];
}

/** Answers the status, headers and body (base64) a request's `case` query names. */
function echoServer() {
  return createServer((req, res) => {
    const encoded = new URL(req.url ?? '/', 'http://x').searchParams.get('case') ?? '';
    const c = JSON.parse(Buffer.from(encoded, 'base64url').toString()) as {
      status: number;
      headers: Record<string, string>;
      body: string;
    };
    res.writeHead(c.status, c.headers);
    res.end(Buffer.from(c.body, 'base64'));
  });
}

test('the native identity check takes only what checkIdentity takes, served by the same pod', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zd-identity-checker-'));
  const server = echoServer();
  try {
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const script = path.join(dir, 'identity-checker.js');
    await bundleFixture('test/suite/fixtures/identity-checker.k6.ts', script);
    const run = await runK6Script(script, { ECHO_URL: `http://127.0.0.1:${port}` }, 120_000);
    assert.equal(run.exitCode, 0, run.output);
    const line = /identity-checker-result (\{.*\})"/.exec(run.output)?.[1];
    assert.ok(line, `no result line:\n${run.output}`);
    const result = JSON.parse(line.replaceAll('\\"', '"')) as Result;
    assert.deepEqual(result.disagreements, []);
    assert.equal(result.profiles, 4);
    assert.equal(result.plainTaken, result.plainTotal, 'a plain identity response was left to JavaScript');
    assert.ok(result.plainTotal >= 12 && result.taken > result.plainTotal, JSON.stringify(result));
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
