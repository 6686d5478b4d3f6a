/**
 * Container waits that no amount of waiting ends — the image is not on the node (the embedded cluster
 * never pulls), or its name is invalid — read from `kubectl get pods -o json`, so a deploy stops at
 * once with the cause instead of after its timeout. Pure.
 */

/**
 * Waiting reasons that never resolve by themselves. Pull errors (ErrImagePull, ImagePullBackOff) are not
 * among them: on a cluster with a registry a pull retried may yet succeed.
 */
const hopeless = new Set(['ErrImageNeverPull', 'InvalidImageName']);

interface PodList {
  items: {
    metadata: { name: string };
    status?: {
      containerStatuses?: { name: string; image: string; state?: { waiting?: { reason?: string } } }[];
      initContainerStatuses?: { name: string; image: string; state?: { waiting?: { reason?: string } } }[];
    };
  }[];
}

export interface HopelessWait {
  pod: string;
  container: string;
  image: string;
  reason: string;
}

export function hopelessWaits(pods: PodList): HopelessWait[] {
  return pods.items.flatMap((pod) =>
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].flatMap((c) => {
      const reason = c.state?.waiting?.reason;
      return reason && hopeless.has(reason)
        ? [{ pod: pod.metadata.name, container: c.name, image: c.image, reason }]
        : [];
    }),
  );
}

/** One line naming the image and what loads it. */
export function hopelessWaitMessage(wait: HopelessWait): string {
  const cause =
    wait.reason === 'InvalidImageName' ? 'the image name is invalid' : 'the node has no such image';
  return `IMAGE: ${wait.image} cannot start in pod ${wait.pod} (${wait.reason}): ${cause} — \`make images\` loads the reference images, IMAGE=<archive> yours`;
}
