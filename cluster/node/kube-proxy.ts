/** kube-proxy (iptables mode) as a host process: its configuration, and ready once its healthz answers. */
import path from 'node:path';
import { waitUntilReady } from '../host-process.ts';
import { POD_SUBNET } from '../node-layout.ts';
import { nodeKubeconfig } from './credentials.ts';
import {
  httpOk,
  json,
  type NodeContext,
  nodeProcess,
  READY_TIMEOUT_MS,
  requirePorts,
  startComponent,
} from './process.ts';

export function kubeProxyConfig(ctx: NodeContext): string {
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
