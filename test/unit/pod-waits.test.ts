/** Deploy's fail-fast on container waits that never end. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hopelessWaitMessage, hopelessWaits } from '../../deploy/pod-waits.ts';

const pod = (name: string, reason: string | undefined, init = false) => {
  const statuses = [
    { name: 'app', image: 'localhost/zerodrop/session-app:v1', state: reason ? { waiting: { reason } } : {} },
  ];
  return {
    metadata: { name },
    status: init ? { initContainerStatuses: statuses } : { containerStatuses: statuses },
  };
};

describe('hopelessWaits', () => {
  it('finds images the node does not have and may not pull, and invalid image names', () => {
    const waits = hopelessWaits({
      items: [
        pod('a', 'ErrImageNeverPull'),
        pod('b', 'ErrImageNeverPull', true),
        pod('c', 'InvalidImageName'),
      ],
    });
    assert.deepEqual(
      waits.map((w) => `${w.pod}:${w.reason}`),
      ['a:ErrImageNeverPull', 'b:ErrImageNeverPull', 'c:InvalidImageName'],
    );
  });

  it('leaves waits that end by themselves alone', () => {
    const items = [
      pod('a', 'ContainerCreating'),
      pod('b', 'CrashLoopBackOff'),
      pod('e', 'ErrImagePull'),
      pod('f', 'ImagePullBackOff'),
      pod('c', undefined),
      { metadata: { name: 'd' } },
    ];
    assert.deepEqual(hopelessWaits({ items }), []);
  });

  it('names the image, the pod, the reason and what loads images, on one line', () => {
    const [wait] = hopelessWaits({ items: [pod('session-app-1', 'ErrImageNeverPull')] });
    assert.ok(wait);
    const message = hopelessWaitMessage(wait);
    assert.match(
      message,
      /^IMAGE: localhost\/zerodrop\/session-app:v1 cannot start in pod session-app-1 \(ErrImageNeverPull\)/,
    );
    assert.match(message, /make images/);
    assert.ok(!message.includes('\n'));
    const [invalid] = hopelessWaits({ items: [pod('x', 'InvalidImageName')] });
    assert.ok(invalid);
    assert.match(hopelessWaitMessage(invalid), /\(InvalidImageName\): the image name is invalid/);
  });
});
