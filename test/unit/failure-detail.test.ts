/** The short causes failure records carry into the breakdown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closeDetail,
  connectionKind,
  errorDetail,
  httpFailureDetail,
} from '../../validator/verdict/failure-detail.ts';

const response = (status: number, error_code: number, error: string, method = 'GET') => ({
  status,
  error_code,
  error,
  url: 'http://127.0.0.1:31889/api/me?x=1',
  request: { method },
});

describe('httpFailureDetail', () => {
  it('names the request and the status of an HTTP error', () => {
    assert.equal(httpFailureDetail(response(503, 0, '')), 'GET /api/me: status 503');
  });

  it('keeps the error code and the cause of a connection error, without URL or socket addresses', () => {
    const reset = response(
      0,
      1210,
      'Post "http://127.0.0.1:31889/api/logout": read tcp 127.0.0.1:40112->127.0.0.1:31889: read: connection reset by peer',
      'POST',
    );
    assert.equal(httpFailureDetail(reset), 'POST /api/me: error 1210: read: connection reset by peer');
  });

  it('makes one cause the same text whatever the socket, so the breakdown groups it', () => {
    const a = response(0, 1212, 'Get "http://127.0.0.1:1/api/me": read tcp 127.0.0.1:5->10.0.0.1:80: EOF');
    const b = response(0, 1212, 'Get "http://127.0.0.1:1/api/me": read tcp 127.0.0.1:9->10.0.0.2:80: EOF');
    assert.equal(httpFailureDetail(a), httpFailureDetail(b));
  });

  it('stays one field of the failures hash: no separator, one line, bounded', () => {
    const hostile = httpFailureDetail(response(0, 1000, `a|b\nc ${'x'.repeat(500)}`));
    assert.ok(!hostile.includes('|') && !hostile.includes('\n'));
    assert.ok(hostile.length <= 'GET /api/me: error 1000: '.length + 80);
  });

  it('drops the dialled address of a refused connection', () => {
    const refused = response(
      0,
      1212,
      'Get "http://127.0.0.1:31889/api/me": dial tcp 127.0.0.1:31889: connect: connection refused',
    );
    assert.equal(httpFailureDetail(refused), 'GET /api/me: error 1212: connect: connection refused');
  });

  it('gives the code alone when k6 gives no message', () => {
    assert.equal(httpFailureDetail(response(0, 1050, '')), 'GET /api/me: error 1050');
  });

  it('reads a URL without a path as /', () => {
    assert.equal(httpFailureDetail({ ...response(502, 0, ''), url: 'http://h:1' }), 'GET /: status 502');
  });
});

describe('the connection an HTTP failure came on (new or reused)', () => {
  const k6 = (
    status: number,
    error_code: number,
    headers: Record<string, string[]>,
    connecting = 0,
  ): Parameters<typeof httpFailureDetail>[0] => ({
    ...response(status, error_code, status === 0 ? 'read: connection reset by peer' : ''),
    request: { method: 'GET', headers },
    timings: { connecting },
  });

  it('a request that asked Connection: close came on a new connection', () => {
    assert.equal(connectionKind(k6(0, 1220, { Connection: ['close'] })), 'new');
    assert.equal(connectionKind(k6(502, 0, { connection: ['Close'] })), 'new');
  });

  it('a dial error is a new connection; a reset of a keep-alive client, a reused one', () => {
    assert.equal(connectionKind(k6(0, 1212, {})), 'new');
    assert.equal(connectionKind(k6(0, 1220, {})), 'reused');
    assert.equal(connectionKind(k6(0, 1000, {})), 'reused');
  });

  it('an answered request is new when k6 timed a TCP connect', () => {
    assert.equal(connectionKind(k6(502, 0, {}, 1.5)), 'new');
    assert.equal(connectionKind(k6(502, 0, {}, 0)), 'reused');
  });

  it('names it after the request, keeping the cause at the end', () => {
    assert.equal(
      httpFailureDetail(k6(0, 1220, {})),
      'GET /api/me (reused connection): error 1220: read: connection reset by peer',
    );
    assert.equal(
      httpFailureDetail(k6(503, 0, { Connection: ['close'] })),
      'GET /api/me (new connection): status 503',
    );
  });

  it('says nothing about the connection when the response carries neither headers nor timings', () => {
    assert.equal(connectionKind(response(503, 0, '')), null);
  });
});

describe('closeDetail and errorDetail', () => {
  it('names the close code, or none', () => {
    assert.equal(closeDetail(1006), 'close 1006');
    assert.equal(closeDetail(undefined), 'close none');
  });

  it('condenses an error message and never returns an empty cause', () => {
    assert.equal(errorDetail('websocket: bad handshake'), 'websocket: bad handshake');
    assert.equal(errorDetail(''), 'unknown error');
    assert.equal(errorDetail(undefined), 'unknown error');
  });
});
