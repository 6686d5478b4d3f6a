/** The k6/x/zerodrop extension's Go tests (the native feed reader's decoding among them). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goTest } from '../support/go-test.ts';

test('go test ./... in xk6-zerodrop', () => {
  const output = goTest('xk6-zerodrop');
  assert.match(output, /^ok\s+zerodrop\.dev\/xk6-zerodrop/m);
  assert.match(output, /--- PASS: TestFeedReaderFromJavaScript/);
});
