/**
 * The host side of the embedded node: preflight checks, kernel features and sysctls, the node bridge,
 * and the pieces of host state a node leaves behind (network namespaces, the bridge, KUBE-* and CNI-*
 * iptables chains, mounts under the state folder, kubepods cgroups), removed like `rm -f`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $, type ProcessOutput, which } from 'zx';
import { StepError } from '../tools/status.ts';
import { SERVICE_CIDR } from './control-plane.ts';
import { BRIDGE, checkSocketPath, NODE_IP, NODE_PREFIX_LENGTH, type NodeLayout } from './node-layout.ts';

const sh = $({ quiet: true, nothrow: true, timeout: '30s' });
const CNI_BIN_DIR = '/usr/lib/cni';
const NETNS_DIR = '/run/netns';
const CGROUP_ROOT = '/sys/fs/cgroup';
/** Chains the node creates: kube-proxy and the kubelet (KUBE-*), the bridge and portmap plugins (CNI-*). */
const OUR_CHAIN = /^(KUBE-|CNI-)/;
const UNMOUNT_PASSES = 5;

/** Commands the node needs, with the Debian package that brings each. */
const REQUIRED_COMMANDS: [string, string][] = [
  ['containerd', 'containerd'],
  ['containerd-shim-runc-v2', 'containerd'],
  ['ctr', 'containerd'],
  ['runc', 'runc'],
  ['iptables', 'iptables'],
  ['iptables-save', 'iptables'],
  ['iptables-restore', 'iptables'],
  ['ip', 'iproute2'],
  ['openssl', 'openssl'],
  ['mount', 'mount'],
];
const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];
const REQUIRED_CGROUPS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'];

/** Checks everything the node needs before touching anything; names the package that is missing. */
export function preflight(layout: NodeLayout): void {
  if (process.getuid?.() !== 0)
    throw new Error('the embedded cluster needs root (containerd, iptables, mounts)');
  checkSocketPath(layout);
  const missing = REQUIRED_COMMANDS.filter(([command]) => !which.sync(command, { nothrow: true }));
  for (const plugin of REQUIRED_CNI_PLUGINS) {
    if (!existsSync(path.join(CNI_BIN_DIR, plugin)))
      missing.push([`${CNI_BIN_DIR}/${plugin}`, 'containernetworking-plugins']);
  }
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `missing ${missing.map(([command]) => command).join(', ')}: run make setup (Debian packages ${packages})`,
    );
  }
  const mounted = new Set(
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => line.includes(' - cgroup '))
      .flatMap((line) => line.split(' - cgroup ')[1]?.split(' ')[1]?.split(',') ?? []),
  );
  const absent = REQUIRED_CGROUPS.filter((controller) => !mounted.has(controller));
  const unified = readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${CGROUP_ROOT} ${CGROUP_ROOT} `);
  if (absent.length > 0 && !unified)
    throw new Error(`cgroup controllers not mounted under ${CGROUP_ROOT}: ${absent.join(', ')}`);
}

async function run(what: string, command: Promise<ProcessOutput>): Promise<ProcessOutput> {
  const result = await command;
  if (result.exitCode !== 0) throw new StepError(`${what} failed`, result.stdall);
  return result;
}

/** Writes a sysctl only when it differs, so a re-run changes nothing. */
async function ensureSysctl(key: string, value: string): Promise<void> {
  const file = sysctlFile(key);
  if ((await readFile(file, 'utf8')).trim() === value) return;
  await writeFile(file, value);
}

/**
 * Sysctls the node changes: ours (forwarding), kube-proxy's (route_localnet, for NodePorts on
 * 127.0.0.1) and the kubelet's kernel tunables (it sets them because protectKernelDefaults is false).
 */
const NODE_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.bridge.bridge-nf-call-iptables',
  'net.ipv4.conf.all.route_localnet',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
];

const sysctlFile = (key: string) => path.join('/proc/sys', key.replaceAll('.', '/'));

/** Records the host's values of NODE_SYSCTLS once, before the node changes them. */
export async function recordHostSysctls(file: string): Promise<void> {
  if (existsSync(file)) return;
  const values: Record<string, string> = {};
  for (const key of NODE_SYSCTLS) {
    if (existsSync(sysctlFile(key))) values[key] = (await readFile(sysctlFile(key), 'utf8')).trim();
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(values, null, 2)}\n`);
}

/** Puts back what recordHostSysctls saw (no record: nothing to do). */
export async function restoreHostSysctls(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const values = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(values)) {
    if (existsSync(sysctlFile(key))) await ensureSysctl(key, value);
  }
}

/** Kernel features (modprobe only when not built in or loaded), forwarding sysctls, the node bridge. */
export async function prepareHost(): Promise<void> {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables'))
    await run('modprobe br_netfilter', sh`modprobe br_netfilter`);
  if (!readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n'))
    await run('modprobe overlay', sh`modprobe overlay`);
  await ensureSysctl('net.ipv4.ip_forward', '1');
  await ensureSysctl('net.bridge.bridge-nf-call-iptables', '1');
  await ensureBridge();
}

interface IpLink {
  ifname: string;
  flags: string[];
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** The bridge with the node IP; the CNI bridge plugin later attaches pods to it. */
async function ensureBridge(): Promise<void> {
  let shown = await sh`ip -j addr show dev ${BRIDGE}`;
  if (shown.exitCode !== 0) {
    await run(`creating bridge ${BRIDGE}`, sh`ip link add name ${BRIDGE} type bridge`);
    shown = await run(`reading bridge ${BRIDGE}`, sh`ip -j addr show dev ${BRIDGE}`);
  }
  const [link] = JSON.parse(shown.stdout) as IpLink[];
  const hasAddress = link?.addr_info?.some(
    (a) => a.family === 'inet' && a.local === NODE_IP && a.prefixlen === NODE_PREFIX_LENGTH,
  );
  if (!hasAddress)
    await run(
      `adding ${NODE_IP} to ${BRIDGE}`,
      sh`ip addr add ${`${NODE_IP}/${NODE_PREFIX_LENGTH}`} dev ${BRIDGE}`,
    );
  if (!link?.flags.includes('UP')) await run(`bringing ${BRIDGE} up`, sh`ip link set ${BRIDGE} up`);
  // ClusterIPs kube-proxy has not programmed yet (a Service created a moment ago) must stay on this
  // machine: without a route they would follow the default route out of it. On the bridge nothing
  // answers for them, so a connect fails until the Service is programmed (kube-proxy's DNAT happens
  // after this route is chosen). The route goes with the bridge.
  await run(
    `routing Services (${SERVICE_CIDR}) onto ${BRIDGE}`,
    sh`ip route replace ${SERVICE_CIDR} dev ${BRIDGE}`,
  );
}

export async function deleteBridge(): Promise<void> {
  if ((await sh`ip link show dev ${BRIDGE}`).exitCode === 0)
    await run(`deleting bridge ${BRIDGE}`, sh`ip link del ${BRIDGE}`);
}

/**
 * Deletes containerd's pod network namespaces (`cni-*`) that no process lives in any more. A namespace
 * with a live process belongs to a running sandbox (ours while the node runs, or another runtime's),
 * so it is kept.
 */
export async function deleteOrphanNetns(): Promise<number> {
  if (!existsSync(NETNS_DIR)) return 0;
  let deleted = 0;
  for (const name of readdirSync(NETNS_DIR).filter((n) => n.startsWith('cni-'))) {
    const pids = await sh`ip netns pids ${name}`;
    if (pids.exitCode === 0 && pids.stdout.trim() !== '') continue;
    await run(`deleting network namespace ${name}`, sh`ip netns delete ${name}`);
    deleted++;
  }
  return deleted;
}

/**
 * An iptables-restore script that removes every KUBE-* and CNI-* chain of one `iptables-save` dump:
 * first the rules in other chains that jump to them, then their rules, then the chains.
 */
export function chainCleanupScript(save: string): string {
  const script: string[] = [];
  let table = '';
  let ours: string[] = [];
  let jumps: string[] = [];
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      table = line;
      ours = [];
      jumps = [];
    } else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0] ?? '';
      if (OUR_CHAIN.test(chain)) ours.push(chain);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1] ?? '';
      if (!OUR_CHAIN.test(chain) && /\s-[jg] (KUBE-|CNI-)/.test(line)) jumps.push(`-D ${line.slice(3)}`);
    } else if (line === 'COMMIT' && (ours.length > 0 || jumps.length > 0)) {
      script.push(table, ...jumps, ...ours.map((c) => `-F ${c}`), ...ours.map((c) => `-X ${c}`), 'COMMIT');
    }
  }
  return script.length > 0 ? `${script.join('\n')}\n` : '';
}

/** Removes the KUBE-* and CNI-* chains (IPv4 and IPv6) in one iptables-restore each. */
export async function deleteChains(): Promise<void> {
  for (const family of ['iptables', 'ip6tables']) {
    if (!which.sync(`${family}-save`, { nothrow: true })) continue;
    const saved = await sh`${`${family}-save`}`;
    if (saved.exitCode !== 0) continue;
    const script = chainCleanupScript(saved.stdout);
    if (script === '') continue;
    await run(
      `removing KUBE-*/CNI-* ${family} chains`,
      sh({ input: script })`${`${family}-restore`} --noflush`,
    );
  }
}

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const decodeOctal = (p: string) =>
    p.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decodeOctal(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything under `dir` (the kubelet's own bind mount, pod volumes, sandbox /dev/shm,
 * container root filesystems), deepest first; lazily when a mount is busy. Bounded passes, because
 * a path can carry stacked mounts.
 */
export async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < UNMOUNT_PASSES; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const mountPoint of mounts) {
      if ((await sh`umount ${mountPoint}`).exitCode !== 0) await sh`umount -l ${mountPoint}`;
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new StepError(`could not unmount everything under ${dir}`, left.join('\n'));
}

/** Removes the empty `kubepods` cgroup trees the kubelet leaves in every cgroup v1 controller. */
export async function removeKubepodsCgroups(): Promise<void> {
  if (!existsSync(CGROUP_ROOT)) return;
  const removeTree = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await removeTree(path.join(dir, entry.name), depth + 1);
    }
    await rmdir(dir).catch(() => undefined); // busy (a process still in it) or already gone: keep it
  };
  for (const controller of readdirSync(CGROUP_ROOT)) {
    await removeTree(path.join(CGROUP_ROOT, controller, 'kubepods'), 0);
  }
}
