/**
 * containerd with its own config, socket, root and state under the state folder, the CNI bridge network
 * it loads, and `ctr` against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $, which } from 'zx';
import { StepError } from '../../tools/status.ts';
import { waitUntilReady } from '../host-process.ts';
import { NODE_IP, type NodeLayout, PAUSE_IMAGE, POD_SUBNET } from '../node-layout.ts';
import { json, type NodeContext, nodeProcess, READY_TIMEOUT_MS, startComponent } from './process.ts';

const CTR_TIMEOUT = '60s';

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

export function containerdConfig(layout: NodeLayout): string {
  const c = layout.containerd;
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    "# Written by cluster/node/containerd.ts: the embedded node's own containerd (its own socket, root and state),",
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
export function cniConfig(layout: NodeLayout, bridge: string): string {
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

export const ctrShell = $({ quiet: true, nothrow: true, timeout: CTR_TIMEOUT });

/** `ctr --address <our socket> -n k8s.io <args>`; throws a StepError with the output on failure. */
export async function ctr(layout: NodeLayout, args: string[], what: string, input?: string): Promise<string> {
  const sh = input === undefined ? ctrShell : ctrShell({ input });
  const out = await sh`ctr --address ${layout.containerd.socket} -n k8s.io ${args}`;
  if (out.exitCode !== 0) throw new StepError(`${what} failed (ctr ${args.join(' ')})`, out.stdall);
  return out.stdout;
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
