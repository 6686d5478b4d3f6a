/**
 * The embedded single-node Kubernetes: `make cluster-up`, `make cluster-down`, `make images`.
 *
 * cluster-up is an ordered list of idempotent steps, one ✓/✗ line each: host checks, stale state
 * from earlier runs, the host network, the control plane (control-plane.ts), then the node
 * (node.ts: containerd, kubelet, kube-proxy; dns.ts: CoreDNS), and a bounded wait for the node to be
 * Ready. When every component already runs it only checks them; when none runs it first clears what
 * an earlier cluster left behind. cluster-down has `rm -f` semantics. Paths: node-layout.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { expBackoff, retry } from 'zx';
import { formatDuration, runSteps, type Status, type Step, StepError } from '../tools/status.ts';
import { type AppImageSettings, type BuiltAppImage, buildAppImage } from './app-image.ts';
import {
  type ControlPlane,
  controlPlaneSteps,
  createControlPlane,
  deleteControlPlane,
  kubeconfigPath,
  kubectlShell,
} from './control-plane.ts';
import { ensureCoreDns, writeDnsConfig } from './dns.ts';
import {
  deleteBridge,
  deleteChains,
  deleteOrphanNetns,
  preflight,
  prepareHost,
  recordHostSysctls,
  removeKubepodsCgroups,
  restoreHostSysctls,
  unmountUnder,
} from './host.ts';
import { runningPid, stopProcess } from './host-process.ts';
import { buildServiceImages, ensurePauseImage, importArchive } from './images-load.ts';
import {
  applyNodeRbac,
  ensureContainerd,
  ensureKubelet,
  ensureKubeProxy,
  ensureNodeCredentials,
  ensureNodePorts,
  isRunning,
  killOrphanComponents,
  type NodeComponent,
  type NodeContext,
  nodeProcess,
  removeContainersWithCtr,
  removeLeftoverContainers,
  removeStaleShimSockets,
  writeNodeConfig,
} from './node.ts';
import { BRIDGE, INSTANCE, NODE_IP, type NodeLayout, nodeLayout, PAUSE_IMAGE } from './node-layout.ts';

const NODE_READY_TIMEOUT_MS = 90_000;
const LOG_TAIL_LINES = 12;
const LOG_TAIL_BYTES = 16_384;
const CONTROL_PLANE_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const NODE_COMPONENTS: NodeComponent[] = ['containerd', 'kubelet', 'kube-proxy', 'coredns'];

/** Every host process of the cluster, as pid file + program name (enough to find and stop it). */
function clusterProcesses(layout: NodeLayout) {
  return [
    ...CONTROL_PLANE_COMPONENTS.map((name) => ({
      name,
      binary: name,
      pidFile: path.join(layout.controlPlaneDir, 'pids', `${name}.pid`),
    })),
    ...NODE_COMPONENTS.map((name) => nodeProcess(layout, name)),
  ];
}

/** The host's sysctl values from before the node changed them, restored by teardown. */
const hostSysctlsFile = (layout: NodeLayout) => path.join(layout.root, 'host-sysctls.json');

const runningComponents = (layout: NodeLayout) =>
  clusterProcesses(layout)
    .filter((proc) => runningPid(proc.pidFile, proc.binary) !== undefined)
    .map((proc) => proc.name);

/** A control plane handle for stopping only: deleteControlPlane needs pid files and program names. */
function controlPlaneForTeardown(layout: NodeLayout): ControlPlane {
  return {
    name: INSTANCE,
    stateDir: layout.controlPlaneDir,
    logDir: layout.logDir,
    bindAddress: NODE_IP,
    advertiseAddress: NODE_IP,
    binDir: '',
    pkiDir: layout.pkiDir,
  };
}

/**
 * Removes this cluster's part of the state folder after unmounting what lives under it: the node and
 * control-plane folders, the admin kubeconfig, the sysctl record, and (unless kept) its logs. Other
 * instances under the same root (the control-plane smoke test's `smoke/`) are left alone.
 */
async function removeStateFolder(layout: NodeLayout, keepLogs: boolean): Promise<void> {
  await unmountUnder(layout.nodeDir);
  await unmountUnder(layout.controlPlaneDir);
  for (const entry of [
    layout.nodeDir,
    layout.controlPlaneDir,
    layout.adminKubeconfig,
    hostSysctlsFile(layout),
  ])
    await rm(entry, { recursive: true, force: true });
  if (!keepLogs && existsSync(layout.logDir)) {
    for (const log of readdirSync(layout.logDir).filter((f) => f.startsWith(`${INSTANCE}-`)))
      await rm(path.join(layout.logDir, log), { force: true });
  }
}

/**
 * What a cluster that is gone leaves behind: containers and shims, mounts, pod network namespaces,
 * the bridge, KUBE-* and CNI-* chains, kubepods cgroups, pid files and state. Only run when no component
 * runs. The logs of that earlier cluster go too: cluster-down keeps them for a post-mortem.
 */
async function clearStaleState(layout: NodeLayout): Promise<void> {
  killOrphanComponents(layout);
  await removeLeftoverContainers(layout);
  await removeStaleShimSockets(layout);
  await unmountUnder(layout.nodeDir);
  await deleteOrphanNetns();
  await deleteBridge();
  await deleteChains();
  await removeKubepodsCgroups();
  await restoreHostSysctls(hostSysctlsFile(layout));
  await removeStateFolder(layout, false);
}

async function waitForNodeReady(ctx: NodeContext): Promise<void> {
  const kubectl = kubectlShell(ctx.cp);
  const name = ctx.layout.nodeName;
  const deadline = Date.now() + NODE_READY_TIMEOUT_MS;
  let last = 'no answer yet';
  const ready = await retry(
    Math.ceil(NODE_READY_TIMEOUT_MS / 500) + 10,
    expBackoff('2s', '250ms'),
    async () => {
      if (Date.now() > deadline) return false;
      const out = await kubectl({ nothrow: true })`kubectl get node ${name} -o json`;
      if (out.exitCode !== 0) {
        last = out.stderr.trim();
        throw new Error(last);
      }
      const conditions = (
        out.json() as { status?: { conditions?: { type: string; status: string; message?: string }[] } }
      ).status?.conditions;
      const condition = conditions?.find((c) => c.type === 'Ready');
      last = condition ? `Ready=${condition.status}: ${condition.message ?? ''}` : 'no Ready condition yet';
      if (condition?.status !== 'True') throw new Error(last);
      return true;
    },
  ).catch(() => false);
  if (!ready)
    throw new StepError(
      `node ${name} was not Ready after ${formatDuration(NODE_READY_TIMEOUT_MS)} (${last})`,
    );
}

/** The last lines of a component log, from its latest start on. */
async function logTail(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const text = buffer.toString('utf8');
    const lines = text
      .slice(Math.max(0, text.lastIndexOf('==== ')))
      .split('\n')
      .filter(Boolean);
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } finally {
    await handle.close();
  }
}

/** Nodes, pods, events and the tail of every component log: printed when cluster-up fails. */
async function clusterDiagnostics(layout: NodeLayout, cp: ControlPlane): Promise<string> {
  const parts: string[] = [];
  if (cp.ports && existsSync(kubeconfigPath(cp, 'admin'))) {
    const kubectl = kubectlShell(cp)({ nothrow: true, timeout: '15s' });
    const show = async (title: string, args: string[], last?: number) => {
      const out = await kubectl`kubectl ${args}`;
      const lines = (out.stdout + out.stderr).trim().split('\n');
      parts.push(`--- ${title}\n${(last ? lines.slice(-last) : lines).join('\n')}`);
    };
    await show('nodes', ['get', 'nodes', '-o', 'wide']);
    await show('pods (all namespaces)', ['get', 'pods', '-A', '-o', 'wide']);
    await show('events (last 25)', ['get', 'events', '-A', '--sort-by=.lastTimestamp'], 25);
  }
  if (existsSync(layout.logDir)) {
    for (const entry of readdirSync(layout.logDir)
      .filter((f) => f.startsWith(`${INSTANCE}-`))
      .sort()) {
      const file = path.join(layout.logDir, entry);
      parts.push(`--- ${file} (last ${LOG_TAIL_LINES} lines)\n${await logTail(file)}`);
    }
  }
  return `${parts.join('\n')}\n`;
}

/** Brings the embedded cluster up, or checks that it is; one ✓/✗ line per step. */
export async function clusterUp(status: Status): Promise<void> {
  const startedAt = Date.now();
  const layout = nodeLayout();
  await status.step('Checking the host (root, containerd, runc, CNI plugins, iptables, cgroups)', async () =>
    preflight(layout),
  );
  const running = runningComponents(layout);
  if (running.length === 0) {
    await status.step('Clearing stale state from earlier runs', () => clearStaleState(layout));
  } else {
    status.note(
      `Reusing the running cluster (${running.length}/8 components up); starting only what stopped`,
    );
  }
  await status.step(`Preparing the host (sysctls, bridge ${BRIDGE} with ${NODE_IP}/24)`, async () => {
    await recordHostSysctls(hostSysctlsFile(layout));
    await prepareHost();
  });
  const cp = await createControlPlane({
    name: INSTANCE,
    stateDir: layout.controlPlaneDir,
    logDir: layout.logDir,
    bindAddress: NODE_IP,
    advertiseAddress: NODE_IP,
  });
  const ctx: NodeContext = { layout, cp };
  let changed = new Set<NodeComponent>();
  const nodeSteps: Step<NodeContext>[] = [
    {
      title: 'Issuing node certificates and kubeconfigs',
      run: async (c) => {
        await ensureNodePorts(c);
        await ensureNodeCredentials(c);
      },
    },
    { title: 'Granting node components API access (RBAC)', run: applyNodeRbac },
    {
      title: 'Writing node configuration (containerd, CNI, kubelet, kube-proxy, CoreDNS)',
      run: async (c) => {
        changed = await writeNodeConfig(c, BRIDGE);
        if (await writeDnsConfig(c)) changed.add('coredns');
      },
    },
    { title: 'Starting containerd', run: (c) => ensureContainerd(c, changed.has('containerd')) },
    {
      title: `Importing the pause image (${PAUSE_IMAGE})`,
      run: async (c) => {
        await ensurePauseImage(c.layout);
      },
    },
    { title: 'Starting kubelet', run: (c) => ensureKubelet(c, changed.has('kubelet')) },
    {
      title: 'Starting kube-proxy (iptables mode)',
      run: (c) => ensureKubeProxy(c, changed.has('kube-proxy')),
    },
    { title: `Starting CoreDNS (${NODE_IP}:53)`, run: (c) => ensureCoreDns(c, changed.has('coredns')) },
    {
      title: `Waiting ≤ ${formatDuration(NODE_READY_TIMEOUT_MS)} for node ${layout.nodeName} to be Ready`,
      run: waitForNodeReady,
    },
  ];
  try {
    await runSteps(status, controlPlaneSteps, cp);
    await runSteps(status, nodeSteps, ctx);
  } catch (error) {
    process.stderr.write(await clusterDiagnostics(layout, cp));
    throw error;
  }
  status.note(`Ready after ${formatDuration(Date.now() - startedAt)}: KUBECONFIG=${layout.adminKubeconfig}`);
}

/** Tears the embedded cluster down like `rm -f`: whatever is already gone is success. */
export async function clusterDown(status: Status): Promise<void> {
  const layout = nodeLayout();
  const stop = (component: NodeComponent) => stopProcess(nodeProcess(layout, component));
  await status.step('Stopping kubelet', () => stop('kubelet'));
  await status.step('Removing every container and pod sandbox', async () => {
    if (isRunning(nodeProcess(layout, 'containerd')) && existsSync(layout.containerd.socket))
      await removeContainersWithCtr(layout);
    await removeLeftoverContainers(layout);
  });
  await status.step('Stopping kube-proxy', () => stop('kube-proxy'));
  // CoreDNS before the control plane: the apiserver's graceful exit waits for open watches.
  await status.step('Stopping CoreDNS', () => stop('coredns'));
  await status.step('Stopping the control plane (scheduler, controller-manager, apiserver, etcd)', () =>
    deleteControlPlane(controlPlaneForTeardown(layout)),
  );
  await status.step('Stopping containerd', () => stop('containerd'));
  await status.step(
    `Removing pod network namespaces, bridge ${BRIDGE}, KUBE-*/CNI-* chains; restoring sysctls`,
    async () => {
      killOrphanComponents(layout);
      await removeStaleShimSockets(layout);
      await deleteOrphanNetns();
      await deleteBridge();
      await deleteChains();
      await removeKubepodsCgroups();
      await restoreHostSysctls(hostSysctlsFile(layout));
    },
  );
  await status.step(`Removing the cluster's state in ${layout.root} (logs/ kept)`, () =>
    removeStateFolder(layout, true),
  );
}

/**
 * Builds the reference service's and Redis's images and imports them into the node, plus the user's
 * image archive when given (like `kind load image-archive`).
 */
export async function loadImages(status: Status, userArchive?: string): Promise<void> {
  const layout = nodeLayout();
  if (!isRunning(nodeProcess(layout, 'containerd')))
    throw new Error('the embedded cluster is not up (containerd is not running): run make cluster-up');
  const archives = await status.step('Building images (session-app:v1 and :v2, redis:7)', () =>
    buildServiceImages(layout),
  );
  await status.step('Importing them into the node (ctr -n k8s.io images import)', async () => {
    await ensurePauseImage(layout);
    for (const archive of archives) {
      await importArchive(layout, archive);
      await rm(archive, { force: true });
    }
  });
  if (userArchive) {
    const archive = path.resolve(userArchive);
    const names = await status.step(`Importing ${userArchive}`, () => importArchive(layout, archive));
    status.note(
      `Imported ${names.length > 0 ? names.join(', ') : 'no named image (give the archive a tag)'}`,
    );
  }
}

/**
 * `make image`: builds an image of the user's app (cluster/app-image.ts) and imports it into the node
 * when the embedded cluster runs; otherwise leaves the archive for `make images IMAGE=<archive>`.
 */
export async function imageApp(status: Status, settings: AppImageSettings): Promise<BuiltAppImage> {
  const relative = path.relative(process.cwd(), settings.app) || settings.app;
  const built = await status.step(
    `Building ${settings.tag} from ${relative} (runtime ${settings.runtime})`,
    async () => buildAppImage(settings),
  );
  status.note(
    `${path.relative(process.cwd(), built.archive)}: ${(built.bytes / 1e6).toFixed(1)} MB, ${built.imageId.slice(0, 19)}, entrypoint ${built.entrypoint.join(' ')}`,
  );
  const layout = nodeLayout();
  if (!isRunning(nodeProcess(layout, 'containerd'))) {
    status.note(
      `The embedded cluster is not up: after make cluster-up, load it with make images IMAGE=${path.relative(process.cwd(), built.archive)}`,
    );
    return built;
  }
  await status.step(`Importing ${settings.tag} into the node (ctr -n k8s.io images import)`, () =>
    importArchive(layout, built.archive),
  );
  return built;
}
