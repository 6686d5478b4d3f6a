/** The kubelet as a host process: its configuration, and ready once it answers and its Node is registered. */
import path from 'node:path';
import { kubectlShell } from '../control-plane.ts';
import { waitUntilReady } from '../host-process.ts';
import { CLUSTER_DOMAIN, NODE_IP } from '../node-layout.ts';
import { certPaths } from '../pki.ts';
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

export function kubeletConfig(ctx: NodeContext): string {
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
