/** The memory estimate that refuses users the machine cannot hold, before k6 builds a VU. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMemory, memoryNeededBytes } from '../../validator/settings/memory.ts';
import { ConfigError } from '../../validator/settings/parse.ts';

const gb = 1024 ** 3;

describe('memory estimate', () => {
  it('stays above the measured peak RSS (137 MB at 500 users, 25 per VU; 652 MB at one per VU)', () => {
    const packed = memoryNeededBytes({ httpUsers: 300, wsUsers: 200, usersPerVu: 25 });
    const single = memoryNeededBytes({ httpUsers: 300, wsUsers: 200, usersPerVu: 1 });
    assert.ok(packed > 137 * 1024 ** 2 && packed < 0.5 * gb, `${packed}`);
    assert.ok(single > 652 * 1024 ** 2 && single < 1.5 * gb, `${single}`);
  });

  it('refuses 100,000 HTTP users on an 8 GB machine, naming HTTP_USERS in one line', () => {
    assert.throws(
      () => checkMemory({ httpUsers: 100_000, wsUsers: 200, usersPerVu: 25 }, 8 * gb),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^HTTP_USERS: 100000 HTTP \+ 200 WebSocket users need about \d+\.\d GB of memory, this machine has 8\.0 GB/.test(
          error.message,
        ),
    );
    assert.throws(() => checkMemory({ httpUsers: 10, wsUsers: 90_000, usersPerVu: 25 }, 8 * gb), {
      message: /^WS_USERS: /,
    });
  });

  it('accepts the defaults on a 1 GB machine, and anything when the memory is unknown (0)', () => {
    checkMemory({ httpUsers: 300, wsUsers: 200, usersPerVu: 25 }, 1 * gb);
    checkMemory({ httpUsers: 100_000, wsUsers: 100_000, usersPerVu: 1 }, 0);
  });
});
