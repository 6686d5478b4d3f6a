/** Credentials of URLs never reach output or reports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact } from '../../validator/settings/redact.ts';

describe('redact', () => {
  it('hides the userinfo of every URL in a text', () => {
    assert.equal(
      redact('REDIS_URL=redis://:secret@127.0.0.1:6379 BASE_URL=http://admin:pw@host:8080/x'),
      'REDIS_URL=redis://***@127.0.0.1:6379 BASE_URL=http://***@host:8080/x',
    );
    assert.equal(redact("'rediss://user:p@ss@redis:6380/1'"), "'rediss://***@redis:6380/1'");
    assert.equal(
      redact('parse "redis://u:s3cret@%%%": invalid URL escape'),
      'parse "redis://***@%%%": invalid URL escape',
    );
  });

  it('leaves URLs without userinfo alone', () => {
    for (const text of ['http://127.0.0.1:8080/api/me?next=a@b', 'redis://host:6379/0', 'mail a@b.c'])
      assert.equal(redact(text), text);
  });
});
