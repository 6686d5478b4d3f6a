/** The profile check's lines: what is printed for what was seen, secrets redacted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import {
  type ConnectionSeen,
  checkLines,
  discontinuity,
  failures,
  formatReport,
  type HttpSeen,
  type Line,
  type Observations,
  redactor,
  redactSetCookie,
} from '../../validator/profile/check-lines.ts';
import { withPresets } from '../../validator/profile/presets.ts';
import { parseProfile, type TargetProfile } from '../../validator/profile/profile.ts';
import { classifyFrame, type ResumeValues } from '../../validator/users/frames.ts';

const password = 'zerodrop-synthetic';
const cookie = 's%3AAbCdEfGhIjKlMnOpQrStUvWxYz012345.c2lnbmF0dXJlLXZhbHVl';
const sid = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

/** An express-ws style service: acks told apart by `reply`, resume by offset and epoch. */
const foreign = (over: Record<string, unknown> = {}): TargetProfile =>
  parseProfile(
    withPresets({
      preset: 'express-session',
      name: 'express-ws',
      users: { prefix: 'zd-', password },
      http: {
        login: {
          path: '/api/session',
          body: { username: '{user}', password: '{password}' },
          user: 'user.name',
        },
        identity: { path: '/api/profile', user: 'user.name' },
        logout: { method: 'DELETE', path: '/api/session' },
        attribution: { pod: { header: 'X-Served-By' } },
      },
      websocket: {
        path: '/live',
        frames: {
          greeting: { match: { op: 'welcome' }, user: 'account', pod: 'node' },
          feed: { match: { op: 'tick' }, seq: 'offset', publishedAt: 'at' },
          ack: {
            match: { reply: 'place' },
            id: 'ref',
            status: 'result',
            applied: ['ok'],
            duplicate: ['replayed'],
          },
        },
        resume: { query: { offset: '{feed.offset}', epoch: '{greeting.epoch}' } },
        order: { frame: { op: 'place', ref: '{id}', sku: 'zd-widget', qty: 1 } },
        cleanCloseCodes: [1000, 1001, 1012],
      },
      redis: { session: { userField: 'user.name' }, orders: { key: 'orders:{user}', type: 'hash' } },
      ...over,
    }),
    'test.json',
  );

const res = (
  request: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpSeen => ({
  request,
  status,
  error: status === 0 ? 'dial: connection refused' : null,
  headers: { 'X-Served-By': 'pod-a', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const welcome = { op: 'welcome', epoch: 'e-1', account: 'zd-w1', node: 'pod-a' };
const tick = (offset: number) => ({ op: 'tick', offset, at: 1_795_986_250_789 + offset, price: 97.9 });
const ackFrame = (ref: string, result: string) => ({ reply: 'place', ref, result });

function connection(
  profile: TargetProfile,
  frames: unknown[],
  order: string | null,
  resumedFrom: ResumeValues | null,
  url = 'ws://127.0.0.1:3000/live',
): ConnectionSeen {
  const ws = profile.websocket ?? assert.fail('a websocket section');
  return {
    url,
    opened: true,
    handshakeError: null,
    refused: null,
    connected: false,
    frames: frames.map((frame, i) => ({ frame, event: classifyFrame(frame, ws), atMs: 10 * (i + 1) })),
    order: order === null ? null : { id: order, atMs: 15 },
    listenedMs: 600,
    resumedFrom,
    resumeSent: undefined,
  };
}

/** What a healthy express-ws service shows the check. */
function healthy(profile: TargetProfile, firstFrames?: unknown[], secondFrames?: unknown[]): Observations {
  const first = firstFrames ?? [welcome, tick(22), ackFrame('o-1', 'ok'), tick(23), tick(24)];
  const lastTick = [...first].reverse().find((f) => (f as { op?: string }).op === 'tick') ?? tick(24);
  const values = { feed: lastTick, greeting: welcome, session: { id: sid } };
  return {
    redis: null,
    http: {
      user: 'zd-h1',
      login: res(
        'POST /api/session',
        200,
        { ok: true, user: { name: 'zd-h1' } },
        { 'Set-Cookie': `connect.sid=${cookie}; Path=/; HttpOnly` },
      ),
      loggedIn: true,
      cookie,
      cookieNames: ['connect.sid'],
      identity: res('GET /api/profile', 200, { user: { name: 'zd-h1' } }),
      store: {
        stored: { type: 'string', value: JSON.stringify({ cookie: {}, user: { name: 'zd-h1' } }) },
        candidates: [],
      },
      badCookie: res('GET /api/profile', 401, { error: 'unauthorized' }),
      logout: res('DELETE /api/session', 204, ''),
      afterLogout: res('GET /api/profile', 401, { error: 'unauthorized' }),
      storeAfterLogout: { type: 'none' },
    },
    ws: {
      user: 'zd-w1',
      login: res('POST /api/session', 200, { ok: true, user: { name: 'zd-w1' } }),
      loggedIn: true,
      first: connection(profile, first, 'o-1', null),
      second: connection(
        profile,
        secondFrames ?? [welcome, tick(25), ackFrame('o-1', 'replayed'), tick(26)],
        'o-1',
        values,
        'ws://127.0.0.1:3000/live?offset=24&epoch=e-1',
      ),
      stranger: {
        ...connection(profile, [], null, null),
        opened: false,
        handshakeError: 'websocket: bad handshake',
      },
      ordersStore: { key: 'orders:{user}', applied: 1 },
    },
  };
}

const byField = (lines: Line[], field: string) =>
  lines.find((l) => l.field === field) ?? assert.fail(`no line ${field} in\n${formatReport('', lines, 0)}`);

describe('checkLines', () => {
  it('passes every field of a healthy service and names what it saw', () => {
    const profile = foreign();
    const lines = checkLines(profile, healthy(profile), [password, cookie, sid]);
    assert.deepEqual(
      lines.filter((l) => l.mark === 'fail'),
      [],
    );
    assert.match(byField(lines, 'http.login').text, /POST \/api\/session → 200, user\.name = "zd-h1"/);
    assert.match(byField(lines, 'http.session.format').text, /express-signed → a 32-character session id/);
    assert.match(byField(lines, 'redis.session.key').text, /sess:\{sid\} exists/);
    assert.match(
      byField(lines, 'websocket.frames.feed').text,
      /3 frames matched \{"op":"tick"\}.*offset contiguous 22…24/,
    );
    assert.match(byField(lines, 'websocket.resume').text, /offset=24&epoch=e-1: seq 25 follows 24/);
    assert.match(byField(lines, 'websocket.frames.ack.duplicate').text, /result = "replayed" ∈ duplicate/);
    assert.match(byField(lines, 'redis.orders').text, /holds order o-1 once/);
    assert.equal(byField(lines, 'http.identity.sessionId').mark, 'skip');
    assert.match(
      byField(lines, 'http.attribution.color').text,
      /not checked \(the profile lacks http\.attribution\.color\)/,
    );
  });

  it('a wrong feed matcher fails naming the field and shows the frames it saw, once per shape', () => {
    const profile = foreign();
    const wrong = foreign({
      websocket: {
        ...profile.websocket,
        frames: { ...profile.websocket?.frames, feed: { match: { op: 'feed' }, seq: 'offset' } },
      },
    });
    const lines = checkLines(wrong, healthy(wrong), [password]);
    const feed = byField(lines, 'websocket.frames.feed.match');
    assert.equal(feed.mark, 'fail');
    assert.match(feed.text, /no frame matched \{"op":"feed"\}/);
    assert.match(feed.seen ?? '', /"op":"tick","offset":22/);
    assert.equal((feed.seen ?? '').split('\n').length, 1, 'ticks are one shape');
    const strangers = byField(lines, 'unrecognised frames');
    assert.equal(strangers.mark, 'info');
    assert.match(strangers.text, /^5 frames matched no matcher/);
    assert.equal(byField(lines, 'websocket.resume').mark, 'skip');
  });

  it('an ack id path that names nothing fails on websocket.frames.ack.id with the ack frame', () => {
    const profile = foreign();
    const wrong = foreign({
      websocket: {
        ...profile.websocket,
        frames: { ...profile.websocket?.frames, ack: { ...profile.websocket?.frames.ack, id: 'orderRef' } },
      },
    });
    const lines = checkLines(wrong, healthy(wrong), [password]);
    const ack = lines.find((l) => l.field === 'websocket.frames.ack.id');
    assert.equal(ack?.mark, 'fail');
    assert.match(ack?.text ?? '', /ack without an id at orderRef/);
    assert.match(ack?.seen ?? '', /"reply":"place","ref":"o-1","result":"ok"/);
    assert.equal(byField(lines, 'websocket.frames.ack.duplicate').mark, 'skip', 'one ✗ for one wrong field');
  });

  it('a status in neither list fails on websocket.frames.ack.status', () => {
    const profile = foreign();
    const seen = healthy(profile, [welcome, tick(1), ackFrame('o-1', 'created'), tick(2)]);
    const line = byField(checkLines(profile, seen, []), 'websocket.frames.ack.status');
    assert.equal(line.mark, 'fail');
    assert.match(line.text, /result = "created", expected one of applied \["ok"\] \(nor in duplicate\)/);
  });

  it('a gap or a repeat after the resume fails websocket.resume', () => {
    const profile = foreign();
    const gap = checkLines(profile, healthy(profile, undefined, [welcome, tick(30)]), []);
    assert.match(byField(gap, 'websocket.resume').text, /seq 30 came after 24 \(5 missing\)/);
    const dup = checkLines(profile, healthy(profile, undefined, [welcome, tick(23)]), []);
    assert.match(byField(dup, 'websocket.resume').text, /seq 23 came after 24 \(a duplicate\)/);
    assert.equal(byField(dup, 'websocket.resume').mark, 'fail');
  });

  it('a store key template that misses names where the session id really is', () => {
    const profile = foreign();
    const seen = healthy(profile);
    seen.http.store = {
      stored: { type: 'none' },
      candidates: [{ format: 'express-signed', key: 'myapp:sess:{sid}' }],
    };
    const lines = checkLines(profile, seen, [password, cookie, sid]);
    const key = byField(lines, 'redis.session.key');
    assert.equal(key.mark, 'fail');
    assert.match(key.text, /no key sess:\{sid\} for this session; the session id is in myapp:sess:\{sid\}/);
    assert.equal(byField(lines, 'redis.session.type').mark, 'skip');
  });

  it('a hash where JSON was declared fails redis.session.type and shows the value', () => {
    const profile = foreign();
    const seen = healthy(profile);
    seen.http.store = { stored: { type: 'hash', fields: { user: 'zd-h1' } }, candidates: [] };
    const line = byField(checkLines(profile, seen, []), 'redis.session.type');
    assert.equal(line.mark, 'fail');
    assert.match(line.text, /a Redis hash, expected json/);
    assert.equal(line.seen, '{"user":"zd-h1"}');
  });

  it('a logout that leaves the session valid fails http.logout', () => {
    const profile = foreign();
    const seen = healthy(profile);
    seen.http.afterLogout = res('GET /api/profile', 200, { user: { name: 'zd-h1' } });
    seen.http.storeAfterLogout = { type: 'string', value: '{"user":{"name":"zd-h1"}}' };
    const line = byField(checkLines(profile, seen, []), 'http.logout');
    assert.equal(line.mark, 'fail');
    assert.match(
      line.text,
      /GET \/api\/profile → 200 \(expected one of \[401\]\); but sess:\{sid\} is still in Redis/,
    );
  });

  it('never prints the password, the cookie value or the session id', () => {
    const profile = foreign();
    const seen = healthy(profile);
    seen.http.login = res(
      'POST /api/session',
      500,
      { echo: { username: 'zd-h1', password }, cookie, note: `sid ${sid}`, apiToken: 'tok-123456' },
      { 'Set-Cookie': `connect.sid=${cookie}; Path=/` },
    );
    seen.http.loggedIn = false;
    seen.http.cookie = null;
    const report = formatReport('h', checkLines(profile, seen, [password, cookie, sid]), 1234);
    assert.doesNotMatch(report, new RegExp(password));
    assert.doesNotMatch(report, new RegExp(sid));
    assert.doesNotMatch(report, /tok-123456/);
    assert.match(report, /✗ http\.login +POST \/api\/session → 500/);
    assert.match(report, /seen: 500 \{"echo":\{"username":"zd-h1","password":"«redacted»"\}/);
  });

  it('says what the profile lacks and what REDIS_URL not set leaves unchecked', () => {
    const profile = parseProfile(
      {
        name: 'minimal',
        users: { prefix: 'zd-', password },
        http: {
          login: { path: '/login', body: { username: '{user}' } },
          identity: { path: '/me', user: 'user' },
          session: { cookie: 'sid' },
          unauthorizedStatuses: [401],
        },
        redis: { session: { key: 's:{sid}', type: 'opaque' } },
      },
      'minimal.json',
    );
    const seen = healthy(foreign());
    seen.redis = 'unset';
    seen.http.cookie = 'raw-session-id';
    seen.http.identity = res('GET /me', 200, { user: 'zd-h1' });
    seen.ws = null;
    const lines = checkLines(profile, seen, []);
    assert.equal(failures(lines), 0);
    assert.equal(byField(lines, 'websocket').text, 'not checked (the profile lacks websocket)');
    assert.equal(byField(lines, 'http.logout').text, 'not checked (the profile lacks http.logout)');
    assert.equal(byField(lines, 'redis.session').text, 'not checked (REDIS_URL is not set)');
    assert.match(byField(lines, 'http.login').text, /login\.user not given/);
  });

  it('a refused upgrade stops the WebSocket lines at websocket.path', () => {
    const profile = foreign();
    const seen = healthy(profile);
    const ws = seen.ws ?? assert.fail();
    ws.first = {
      ...(ws.first as ConnectionSeen),
      opened: false,
      handshakeError: 'websocket: bad handshake',
      frames: [],
    };
    ws.second = null;
    const lines = checkLines(profile, seen, []);
    assert.match(
      byField(lines, 'websocket.path').text,
      /the upgrade at ws:\/\/127\.0\.0\.1:3000\/live failed: websocket: bad handshake/,
    );
    assert.equal(byField(lines, 'websocket.frames').mark, 'skip');
  });
});

describe('a WebSocket with a made-up cookie', () => {
  const profile = foreign();
  const withStranger = (stranger: Partial<ConnectionSeen>) => {
    const seen = healthy(profile);
    const ws = seen.ws ?? assert.fail();
    ws.stranger = { ...connection(profile, [], null, null), ...stranger };
    return byField(
      checkLines(profile, seen, []),
      stranger.serverClose === 1000 ? 'websocket.unauthorizedCloseCodes' : 'websocket (a made-up cookie)',
    );
  };

  it('passes when refused at the upgrade', () => {
    const line = withStranger({ opened: false, handshakeError: 'websocket: bad handshake' });
    assert.equal(line.mark, 'pass');
    assert.match(line.text, /refused at the upgrade \(websocket: bad handshake\)/);
  });

  it('fails when the connection is accepted, showing what it sent', () => {
    const line = withStranger({
      frames: [{ frame: welcome, event: { kind: 'other' }, atMs: 3 }],
      listenedMs: 2500,
    });
    assert.equal(line.mark, 'fail');
    assert.match(line.text, /accepted: the connection stayed open for 2\.5 s/);
    assert.match(line.seen ?? '', /"op":"welcome"/);
  });

  it('fails on a close code the profile does not call unauthorized', () => {
    const line = withStranger({ serverClose: 1000 });
    assert.equal(line.mark, 'fail');
    assert.match(
      line.text,
      /closed by the server with 1000, and the profile lacks websocket\.unauthorizedCloseCodes/,
    );
  });
});

describe('discontinuity', () => {
  it('is null for a contiguous run and names the first gap or repeat', () => {
    assert.equal(discontinuity([4, 5, 6]), null);
    assert.equal(discontinuity([4]), null);
    assert.equal(discontinuity([4, 5, 8]), 'seq 8 came after 5 (2 missing)');
    assert.equal(discontinuity([4, 5, 5]), 'seq 5 came after 5 (a duplicate)');
  });
});

describe('redaction', () => {
  it('hides secrets in plain and URL-encoded form, and password fields', () => {
    const redact = redactor(['s:abc.def', null, 'xy']);
    assert.equal(redact('v=s%3Aabc.def'), 'v=«redacted»');
    assert.equal(redact('{"newPassword":"p4ss","xy":1}'), '{"newPassword":"«redacted»","xy":1}');
  });

  it('hides cookie values in a Set-Cookie header, keeping attributes', () => {
    assert.equal(
      redactSetCookie('a=1234; Path=/; Expires=Thu, 01 Jan 2026 00:00:00 GMT, b=xyz; HttpOnly'),
      'a=«redacted»; Path=/; Expires=Thu, 01 Jan 2026 00:00:00 GMT, b=«redacted»; HttpOnly',
    );
  });
});

describe('formatReport', () => {
  it('one line per check, what was seen under a ✗, then the counts and the time', () => {
    const text = formatReport(
      'check',
      [
        { mark: 'pass', field: 'a', text: 'fine' },
        { mark: 'fail', field: 'bb', text: 'wrong', seen: '{"x":1}\n{"y":2}' },
        { mark: 'skip', field: 'c', text: 'not checked (the profile lacks c)' },
      ],
      2345,
    );
    assert.equal(
      text,
      [
        'check',
        ' ✓ a   fine',
        ' ✗ bb  wrong',
        '     seen: {"x":1}',
        '           {"y":2}',
        ' – c   not checked (the profile lacks c)',
        '1 ✓, 1 ✗, 1 not checked — 2.3 s',
        '',
      ].join('\n'),
    );
  });
});

it('the reference profile parses for the check (built in, no preset)', () => {
  assert.equal(referenceProfile.websocket?.frames.feed?.seq, 'seq');
});
