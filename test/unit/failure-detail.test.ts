/** The short causes failure records carry into the breakdown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closeDetail,
  connectionKind,
  dialedAddress,
  errorDetail,
  failedAt,
  feedGapDetail,
  httpFailureDetail,
  httpRefusedBy,
  wsRefusedBy,
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

describe('a connection never made goes to the address that refused it, HTTP and WebSocket alike', () => {
  // What k6 v2.2 gives, as seen with bin/k6 against a closed port: `error` of a refused HTTP request
  // carries no address; a WebSocket's error event names the resolved one.
  const refusedHttp = { status: 0, error_code: 1212, error: 'dial: connection refused' };
  const refusedWs = 'dial tcp 127.0.0.1:31889: connect: connection refused';

  it('names the address a URL dials, with the scheme’s port when it has none, and no credentials', () => {
    assert.equal(dialedAddress('http://127.0.0.1:31889/api/me?x=1'), '127.0.0.1:31889');
    assert.equal(dialedAddress('ws://Session-App.shop.svc/ws?offset=3&epoch=1'), 'session-app.shop.svc:80');
    assert.equal(dialedAddress('https://zd:s3cret@shop.example.com'), 'shop.example.com:443');
    assert.equal(dialedAddress('wss://[::1]:8443/socket.io/?EIO=4'), '[::1]:8443');
    assert.equal(dialedAddress('wss://[::1]/ws'), '[::1]:443');
    assert.equal(dialedAddress('not a url'), 'unknown');
  });

  it('an HTTP request refused (or not connected: 1210–1213) is the dialled address’s', () => {
    const url = 'http://127.0.0.1:31889/api/me';
    assert.equal(httpRefusedBy({ ...refusedHttp, url }), '127.0.0.1:31889');
    for (const code of [1210, 1211, 1213])
      assert.equal(httpRefusedBy({ ...refusedHttp, error_code: code, url }), '127.0.0.1:31889');
  });

  it('an HTTP failure on a connection that was made is not: reset, EOF, timeout, any answer', () => {
    const url = 'http://127.0.0.1:31889/api/me';
    for (const code of [1220, 1000, 1050])
      assert.equal(httpRefusedBy({ status: 0, error_code: code, url }), null);
    assert.equal(httpRefusedBy({ status: 502, error_code: 0, url }), null);
  });

  it('a WebSocket dial error is the dialled address’s, the same value as HTTP’s for one balancer', () => {
    const url = 'ws://127.0.0.1:31889/ws?offset=41&epoch=2';
    assert.equal(wsRefusedBy(url, refusedWs), '127.0.0.1:31889');
    assert.equal(wsRefusedBy(url, 'dial tcp 127.0.0.1:31889: i/o timeout'), '127.0.0.1:31889');
    assert.equal(
      wsRefusedBy(url, refusedWs),
      httpRefusedBy({ ...refusedHttp, url: 'http://127.0.0.1:31889/api/me' }),
    );
  });

  it('a handshake that reached a server, or a name that did not resolve, refused nothing', () => {
    const url = 'ws://127.0.0.1:31889/ws';
    assert.equal(wsRefusedBy(url, 'websocket: bad handshake'), null);
    assert.equal(wsRefusedBy(url, 'dial tcp: lookup nowhere.invalid: no such host'), null);
    assert.equal(wsRefusedBy(url, undefined), null);
  });

  it('puts the refusing address in the pod column with an unknown color, else keeps who served', () => {
    const served = { pod: 'pod-3', color: 'blue' };
    assert.deepEqual(failedAt(served, '127.0.0.1:31889'), { pod: '127.0.0.1:31889', color: 'unknown' });
    assert.deepEqual(failedAt(served, null), served);
  });
});

describe('where a feed gap or repeat came', () => {
  const place = {
    after: 2550,
    came: 2558,
    pod: 'pod-b',
    podBefore: 'pod-a',
    resumedFrom: 2550,
    onConnection: 1,
  };

  it('at a reconnect: the pods before and after, and the cursor the client sent', () => {
    assert.equal(
      feedGapDetail(place, '7 missing'),
      'after seq 2550 came 2558: 7 missing; first message after a reconnect (pod-a → pod-b), resumed from seq 2550',
    );
    assert.equal(
      feedGapDetail({ ...place, resumedFrom: null, onConnection: 4 }, '7 missing'),
      'after seq 2550 came 2558: 7 missing; message 4 after a reconnect (pod-a → pod-b), no resume cursor sent',
    );
  });

  it('a message before the greeting of its connection: the pod serving it is not known', () => {
    assert.equal(
      feedGapDetail(
        { ...place, after: 288, came: 303, pod: null, podBefore: 'pod-a', resumedFrom: 288 },
        '14 missing',
      ),
      'after seq 288 came 303: 14 missing; first message after a reconnect (pod-a → pod not known: no greeting came before it), resumed from seq 288',
    );
    assert.equal(
      feedGapDetail(
        { ...place, pod: null, podBefore: null, resumedFrom: null, onConnection: 3 },
        '7 missing',
      ),
      'after seq 2550 came 2558: 7 missing; message 3 of the first connection (pod not known: no greeting came before it)',
    );
  });

  it('on the first connection: where in it', () => {
    assert.equal(
      feedGapDetail({ ...place, podBefore: null, resumedFrom: null, onConnection: 120 }, '7 missing'),
      'after seq 2550 came 2558: 7 missing; message 120 of the first connection (pod-b)',
    );
    assert.equal(
      feedGapDetail({ ...place, after: 2560, came: 2555 }, 'again'),
      'after seq 2560 came 2555: again; first message after a reconnect (pod-a → pod-b), resumed from seq 2550',
    );
  });
});
