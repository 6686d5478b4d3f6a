/** Writes every node component's configuration; the components whose configuration changed restart. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cniConfig, containerdConfig } from './containerd.ts';
import { kubeProxyConfig } from './kube-proxy.ts';
import { kubeletConfig } from './kubelet.ts';
import { type NodeComponent, type NodeContext, writeIfChanged } from './process.ts';

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
