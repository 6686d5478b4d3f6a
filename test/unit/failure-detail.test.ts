/** The short causes failure records carry into the breakdown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeDetail, errorDetail, httpFailureDetail } from '../../scripts/lib/failure-detail.ts';

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
