/**
 * The node: containerd (its own config, socket, root and state under the state folder), the CNI
 * bridge network, the kubelet and kube-proxy, as host processes next to the control plane. Also the
 * node's certificates and kubeconfigs, the RBAC the node components need, and the removal of every
 * container, with containerd (`ctr`) while it runs and with runc when only leftovers remain.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $, which } from 'zx';
import { StepError } from '../tools/status.ts';
import { type ControlPlane, freePort, kubeconfigPath, kubectlShell } from './control-plane.ts';
import {
  ensureProcess,
  type HostProcess,
  isAlive,
  runningPid,
  stopProcess,
  waitUntilReady,
} from './host-process.ts';
import { CLUSTER_DOMAIN, logFile, NODE_IP, type NodeLayout, PAUSE_IMAGE, POD_SUBNET } from './node-layout.ts';
import { certPaths, ensureCert } from './pki.ts';

const READY_TIMEOUT_MS = { containerd: 30_000, kubelet: 60_000, kubeProxy: 60_000 };
const PROBE_TIMEOUT_MS = 3_000;
const CTR_TIMEOUT = '60s';
const SHIM_SOCKET_DIR = '/run/containerd/s';

export interface NodePorts {
  kubelet: number;
  kubeletHealthz: number;
  kubeProxyHealthz: number;
  kubeProxyMetrics: number;
}

export interface NodeContext {
  layout: NodeLayout;
  cp: ControlPlane;
  /** Set by `ensureNodePorts`. */
  ports?: NodePorts;
}

export type NodeComponent = 'containerd' | 'kubelet' | 'kube-proxy' | 'coredns';

const requirePorts = (ctx: NodeContext): NodePorts => {
  if (!ctx.ports) throw new Error('node ports are not chosen yet');
  return ctx.ports;
};

/** A node component as a host process; `binary` only needs the right base name to find and stop it. */
export function nodeProcess(
  layout: NodeLayout,
  component: NodeComponent,
  binary: string = component,
  args: string[] = [],
): HostProcess {
  return {
    name: component,
    binary,
    args,
    pidFile: path.join(layout.pidDir, `${component}.pid`),
    logFile: logFile(layout, component),
  };
}

export const isRunning = (proc: Pick<HostProcess, 'pidFile' | 'binary'>) =>
  runningPid(proc.pidFile, proc.binary) !== undefined;

/** Writes `content` unless the file already holds it; true when it wrote (so the caller restarts). */
export async function writeIfChanged(file: string, content: string, mode = 0o644): Promise<boolean> {
  if (existsSync(file) && (await readFile(file, 'utf8')) === content) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content, { mode });
  return true;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Ports for the kubelet and kube-proxy, chosen once and kept in node/ports.json. */
export async function ensureNodePorts(ctx: NodeContext): Promise<void> {
  const file = ctx.layout.portsFile;
  if (existsSync(file)) {
    ctx.ports = JSON.parse(await readFile(file, 'utf8')) as NodePorts;
    return;
  }
  const chosen = new Set<number>();
  const next = async (host: string) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = await freePort(host);
      if (!chosen.has(port)) {
        chosen.add(port);
        return port;
      }
    }
    throw new Error(`no free port on ${host}`);
  };
  ctx.ports = {
    kubelet: await next(NODE_IP),
    kubeletHealthz: await next('127.0.0.1'),
    kubeProxyHealthz: await next('127.0.0.1'),
    kubeProxyMetrics: await next('127.0.0.1'),
  };
  await writeIfChanged(file, json(ctx.ports));
}

/** A kubeconfig for one client certificate of the cluster PKI. */
function kubeconfig(cp: ControlPlane, user: string, certName: string): string {
  const { cert, key } = certPaths(cp.pkiDir, certName);
  const server = `https://${cp.bindAddress}:${cp.ports?.apiserver}`;
  return json({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'zerodrop', cluster: { server, 'certificate-authority': certPaths(cp.pkiDir, 'ca').cert } },
    ],
    users: [{ name: user, user: { 'client-certificate': cert, 'client-key': key } }],
    contexts: [{ name: 'zerodrop', context: { cluster: 'zerodrop', user } }],
    'current-context': 'zerodrop',
  });
}

export const nodeKubeconfig = (layout: NodeLayout, user: 'kubelet' | 'kube-proxy' | 'coredns') =>
  path.join(layout.configDir, `${user}.kubeconfig`);

/**
 * The node's certificates (kept when present): the kubelet's client cert (system:node:<node> in
 * system:nodes, as the Node authorizer wants), its serving cert for the node IP, kube-proxy's and
 * CoreDNS's client certs. Then their kubeconfigs, and the admin kubeconfig where access.ts looks.
 */
export async function ensureNodeCredentials(ctx: NodeContext): Promise<void> {
  const { layout, cp } = ctx;
  const dir = cp.pkiDir;
  await ensureCert(dir, {
    name: 'kubelet-client',
    commonName: `system:node:${layout.nodeName}`,
    organization: 'system:nodes',
    usages: ['clientAuth'],
  });
  await ensureCert(dir, {
    name: 'kubelet-serving',
    commonName: layout.nodeName,
    usages: ['serverAuth'],
    dnsNames: [layout.nodeName, 'localhost'],
    ipAddresses: [NODE_IP, '127.0.0.1'],
  });
  await ensureCert(dir, { name: 'kube-proxy', commonName: 'system:kube-proxy', usages: ['clientAuth'] });
  await ensureCert(dir, { name: 'coredns', commonName: 'zerodrop:coredns', usages: ['clientAuth'] });
  await writeIfChanged(nodeKubeconfig(layout, 'kubelet'), kubeconfig(cp, 'kubelet', 'kubelet-client'), 0o600);
  await writeIfChanged(
    nodeKubeconfig(layout, 'kube-proxy'),
    kubeconfig(cp, 'kube-proxy', 'kube-proxy'),
    0o600,
  );
  await writeIfChanged(nodeKubeconfig(layout, 'coredns'), kubeconfig(cp, 'coredns', 'coredns'), 0o600);
  await writeIfChanged(layout.adminKubeconfig, await readFile(kubeconfigPath(cp, 'admin'), 'utf8'), 0o600);
}

/**
 * RBAC the node components need beyond the built-in roles: the apiserver's kubelet client may use the
 * kubelet API (logs, exec), CoreDNS may watch what it serves. (The kubelet is covered by the Node
 * authorizer, kube-proxy by the built-in system:node-proxier binding.)
 */
export async function applyNodeRbac(ctx: NodeContext): Promise<void> {
  const labels = {
    'app.kubernetes.io/part-of': 'zerodrop',
    'app.kubernetes.io/managed-by': 'zerodrop-cluster',
  };
  const objects = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'zerodrop:kube-apiserver-kubelet-client', labels },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:kubelet-api-admin',
        },
        subjects: [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client' },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'zerodrop:coredns', labels },
        rules: [
          {
            apiGroups: [''],
            resources: ['endpoints', 'services', 'pods', 'namespaces'],
            verbs: ['list', 'watch'],
          },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'zerodrop:coredns', labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'zerodrop:coredns' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'zerodrop:coredns' }],
      },
    ],
  };
  const out = await kubectlShell(ctx.cp)({
    input: JSON.stringify(objects),
    nothrow: true,
  })`kubectl apply -f -`;
  if (out.exitCode !== 0) throw new StepError('kubectl apply of the node RBAC failed', out.stdall);
}

// ---- containerd -------------------------------------------------------------------------------

const CAP_SYS_RESOURCE = 24n;

/**
 * Whether this process may lower OOM scores. Some sandboxes (this project's VMs among them) drop
 * CAP_SYS_RESOURCE, and then runc fails every pod sandbox, because the kubelet asks for -998 for
 * the pause container ("nsexec: failed to update /proc/self/oom_score_adj: Permission denied").
 */
function canLowerOomScore(): boolean {
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return effective === undefined || ((BigInt(`0x${effective}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
}

function containerdConfig(layout: NodeLayout): string {
  const c = layout.containerd;
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    "# Written by cluster/node.ts: the embedded node's own containerd (its own socket, root and state),",
    '# so it never meets a system containerd. Nothing is ever pulled: images are imported with ctr.',
    'version = 2',
    `root = ${JSON.stringify(c.root)}`,
    `state = ${JSON.stringify(c.state)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(c.socket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(path.join(c.root, 'opt'))}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    "  # true only without CAP_SYS_RESOURCE: containers then keep OOM scores >= containerd's own.",
    `  restrict_oom_score_adj = ${!canLowerOomScore()}`,
    `  [${cri}.containerd]`,
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    `    [${cri}.containerd.runtimes.runc]`,
    '      runtime_type = "io.containerd.runc.v2"',
    `      [${cri}.containerd.runtimes.runc.options]`,
    '        SystemdCgroup = false',
    `        Root = ${JSON.stringify(c.runcRoot)}`,
    `  [${cri}.cni]`,
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = ${JSON.stringify(layout.cniConfDir)}`,
    '    max_conf_num = 1',
    '',
  ].join('\n');
}

/** The pod network: Debian's CNI 1.1.1 plugins speak up to cniVersion 1.0.0. */
function cniConfig(layout: NodeLayout, bridge: string): string {
  return json({
    cniVersion: '1.0.0',
    name: 'zerodrop',
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: POD_SUBNET, gateway: NODE_IP }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: layout.cniDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

const ctrShell = $({ quiet: true, nothrow: true, timeout: CTR_TIMEOUT });

/** `ctr --address <our socket> -n k8s.io <args>`; throws a StepError with the output on failure. */
export async function ctr(layout: NodeLayout, args: string[], what: string, input?: string): Promise<string> {
  const sh = input === undefined ? ctrShell : ctrShell({ input });
  const out = await sh`ctr --address ${layout.containerd.socket} -n k8s.io ${args}`;
  if (out.exitCode !== 0) throw new StepError(`${what} failed (ctr ${args.join(' ')})`, out.stdall);
  return out.stdout;
}

export async function writeNodeConfig(ctx: NodeContext, bridge: string): Promise<Set<NodeComponent>> {
  const { layout } = ctx;
  const changed = new Set<NodeComponent>();
  if (await writeIfChanged(layout.containerd.config, containerdConfig(layout))) changed.add('containerd');
  // containerd watches this folder and loads the network on its own.
  await writeIfChanged(path.join(layout.cniConfDir, '10-zerodrop.conflist'), cniConfig(layout, bridge));
  if (await writeIfChanged(path.join(layout.configDir, 'kubelet.json'), kubeletConfig(ctx)))
    changed.add('kubelet');
  if (await writeIfChanged(path.join(layout.configDir, 'kube-proxy.json'), kubeProxyConfig(ctx)))
    changed.add('kube-proxy');
  for (const dir of [layout.containerd.root, layout.containerd.state, layout.cniDataDir, layout.podLogsDir])
    await mkdir(dir, { recursive: true });
  return changed;
}

/** Starts a component unless it runs; restarts it when its configuration changed. */
async function startComponent(proc: HostProcess, restart: boolean): Promise<void> {
  if (restart && isRunning(proc)) await stopProcess(proc);
  await ensureProcess(proc);
}

export async function ensureContainerd(ctx: NodeContext, restart: boolean): Promise<void> {
  const { layout } = ctx;
  const binary = which.sync('containerd');
  const proc = nodeProcess(layout, 'containerd', binary, ['--config', layout.containerd.config]);
  await startComponent(proc, restart);
  await waitUntilReady(
    proc,
    async () => {
      await ctr(layout, ['version'], 'asking containerd its version');
    },
    READY_TIMEOUT_MS.containerd,
  );
}

// ---- kubelet --------------------------------------------------------------------------------

function kubeletConfig(ctx: NodeContext): string {
  const { layout, cp } = ctx;
  const ports = requirePorts(ctx);
  const serving = certPaths(cp.pkiDir, 'kubelet-serving');
  return json({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.kubeletHealthz,
    tlsCertFile: serving.cert,
    tlsPrivateKeyFile: serving.key,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: certPaths(cp.pkiDir, 'ca').cert },
    },
    authorization: { mode: 'Webhook' },
    // cgroup v1 host without systemd; 1.35 refuses cgroup v1 unless told otherwise.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${layout.containerd.socket}`,
    clusterDNS: [NODE_IP],
    clusterDomain: CLUSTER_DOMAIN,
    // No host resolv.conf: pods see only the cluster's DNS (this machine is offline by design).
    resolvConf: '',
    podLogsDir: layout.podLogsDir,
    // Images cannot be pulled back, so never garbage-collect them; evict only when really short.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '2%',
      'imagefs.available': '2%',
      'nodefs.inodesFree': '2%',
    },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
  });
}

async function httpOk(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}

export async function ensureKubelet(ctx: NodeContext, restart: boolean): Promise<void> {
  const { layout, cp } = ctx;
  const ports = requirePorts(ctx);
  const proc = nodeProcess(layout, 'kubelet', path.join(cp.binDir, 'kubelet'), [
    `--config=${path.join(layout.configDir, 'kubelet.json')}`,
    `--kubeconfig=${nodeKubeconfig(layout, 'kubelet')}`,
    `--root-dir=${layout.kubeletRootDir}`,
    `--volume-plugin-dir=${layout.volumePluginDir}`,
    `--hostname-override=${layout.nodeName}`,
    `--node-ip=${NODE_IP}`,
    '--v=1',
  ]);
  await startComponent(proc, restart);
  await waitUntilReady(
    proc,
    async () => {
      await httpOk(`http://127.0.0.1:${ports.kubeletHealthz}/healthz`);
      // kube-proxy reads the node's addresses from the Node object, so wait for the registration.
      const node = await kubectlShell(cp)({ nothrow: true })`kubectl get node ${layout.nodeName} -o name`;
      if (node.exitCode !== 0) throw new Error(`node ${layout.nodeName} is not registered yet`);
    },
    READY_TIMEOUT_MS.kubelet,
  );
}

// ---- kube-proxy -----------------------------------------------------------------------------

function kubeProxyConfig(ctx: NodeContext): string {
  const { layout } = ctx;
  const ports = requirePorts(ctx);
  return json({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    hostnameOverride: layout.nodeName,
    clientConnection: { kubeconfig: nodeKubeconfig(layout, 'kube-proxy') },
    clusterCIDR: POD_SUBNET,
    healthzBindAddress: `127.0.0.1:${ports.kubeProxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${ports.kubeProxyMetrics}`,
    // Leave the host's conntrack table size and timeouts alone (hack/local-up-cluster.sh does the same).
    conntrack: { maxPerCore: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    // NodePorts answer on 127.0.0.1 too: kube-proxy sets route_localnet=1 and guards it.
    iptables: { localhostNodePorts: true, masqueradeAll: false, syncPeriod: '30s', minSyncPeriod: '1s' },
  });
}

export async function ensureKubeProxy(ctx: NodeContext, restart: boolean): Promise<void> {
  const { layout, cp } = ctx;
  const ports = requirePorts(ctx);
  const proc = nodeProcess(layout, 'kube-proxy', path.join(cp.binDir, 'kube-proxy'), [
    `--config=${path.join(layout.configDir, 'kube-proxy.json')}`,
    '--v=1',
  ]);
  await startComponent(proc, restart);
  await waitUntilReady(
    proc,
    () => httpOk(`http://127.0.0.1:${ports.kubeProxyHealthz}/healthz`),
    READY_TIMEOUT_MS.kubeProxy,
  );
}

// ---- removing containers ---------------------------------------------------------------------

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
