/**
 * Removing every container: with containerd (`ctr`) while it runs, with runc when only leftovers remain,
 * and the component processes and shim sockets an interrupted run left behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { $, which } from 'zx';
import { StepError } from '../../tools/status.ts';
import { isAlive } from '../host-process.ts';
import type { NodeLayout } from '../node-layout.ts';
import { ctr, ctrShell } from './containerd.ts';

const SHIM_SOCKET_DIR = '/run/containerd/s';

/**
 * Kills and deletes every task and container in containerd's k8s.io namespace (containerd running).
 * Tasks that already exited make `tasks rm -f` complain; what counts is that no container is left.
 */
export async function removeContainersWithCtr(layout: NodeLayout): Promise<number> {
  const list = async (what: 'containers' | 'tasks') =>
    (await ctr(layout, [what, 'ls', '-q'], `listing ${what}`)).split('\n').filter(Boolean);
  const ids = await list('containers');
  for (let attempt = 0; attempt < 3; attempt++) {
    const left = await list('containers');
    if (left.length === 0) return ids.length;
    const tasks = await list('tasks');
    if (tasks.length > 0)
      await ctrShell`ctr --address ${layout.containerd.socket} -n k8s.io tasks rm -f ${tasks}`;
    await ctrShell`ctr --address ${layout.containerd.socket} -n k8s.io containers rm ${left}`;
  }
  const left = await list('containers');
  if (left.length > 0) throw new StepError(`containerd still has ${left.length} containers`, left.join('\n'));
  return ids.length;
}

/** Programs of the cluster: a process running one of them with the state folder in its arguments is ours. */
const COMPONENT_PROGRAMS = new Set([
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'containerd',
  'containerd-shim-runc-v2',
  'kubelet',
  'kube-proxy',
  'coredns',
]);

/**
 * Component processes of this cluster that no pid file names any more (a deleted or stale state
 * folder): found by program name plus the state folder in their arguments, so a shell tailing a
 * log is never touched.
 */
function orphanComponentPids(layout: NodeLayout): number[] {
  // Our instance's folders only: the control-plane smoke test keeps its own under the same root.
  const ours = [`${layout.controlPlaneDir}/`, `${layout.nodeDir}/`];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (
        COMPONENT_PROGRAMS.has(path.basename(argv[0] ?? '')) &&
        argv.some((arg) => ours.some((dir) => arg.includes(dir)))
      )
        pids.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/**
 * Component processes still running for this state folder although nothing should run (a lost or
 * stale pid file, shims of a dead containerd): SIGKILL. Only for when every component is meant to be
 * stopped: it does not spare processes the pid files name.
 */
export function killOrphanComponents(layout: NodeLayout): number {
  const pids = orphanComponentPids(layout);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Containers runc still knows in our runc root (their containerd is gone): `runc delete --force`. */
export async function removeLeftoverContainers(layout: NodeLayout): Promise<number> {
  let removed = 0;
  const runcRoot = path.join(layout.containerd.runcRoot, 'k8s.io');
  if (existsSync(runcRoot) && which.sync('runc', { nothrow: true })) {
    const runc = $({ quiet: true, nothrow: true, timeout: '30s' });
    const list = await runc`runc --root ${runcRoot} list -q`;
    for (const id of list.stdout.split('\n').filter(Boolean)) {
      await runc`runc --root ${runcRoot} delete --force ${id}`;
      removed++;
    }
  }
  return removed;
}

/**
 * Socket files of shims that were killed instead of exiting: containerd 1.6 names them
 * /run/containerd/s/<sha256(<containerd socket>/<namespace>/<task id>)>, so ours are found exactly
 * from the task folders in containerd's state. Only for when containerd and its shims are gone.
 */
export async function removeStaleShimSockets(layout: NodeLayout): Promise<void> {
  const tasks = path.join(layout.containerd.state, 'io.containerd.runtime.v2.task', 'k8s.io');
  if (!existsSync(tasks)) return;
  for (const id of readdirSync(tasks)) {
    const digest = createHash('sha256')
      .update(path.join(layout.containerd.socket, 'k8s.io', id))
      .digest('hex');
    await rm(path.join(SHIM_SOCKET_DIR, digest), { force: true });
  }
}
