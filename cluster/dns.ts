/**
 * Cluster DNS: the built CoreDNS as a host process on the node IP (10.244.0.1:53), which is also the
 * kubelet's clusterDNS, so pods resolve `redis` → redis.zerodrop.svc.cluster.local. It watches the
 * API with its own client certificate (RBAC in node/credentials.ts). There is no upstream: names outside the
 * cluster get NXDOMAIN, because this machine talks to nothing but itself.
 */
import { Resolver } from 'node:dns/promises';
import path from 'node:path';
import { ensureProcess, stopProcess, waitUntilReady } from './host-process.ts';
import { nodeKubeconfig } from './node/credentials.ts';
import { type NodeContext, nodeProcess, writeIfChanged } from './node/process.ts';
import { CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP, NODE_IP } from './node-layout.ts';

const READY_TIMEOUT_MS = 30_000;
const QUERY_TIMEOUT_MS = 1_000;

export const corefilePath = (ctx: NodeContext) => path.join(ctx.layout.configDir, 'Corefile');

function corefile(ctx: NodeContext): string {
  return [
    '# Written by cluster/dns.ts: cluster DNS for the embedded node.',
    `${CLUSTER_DOMAIN}:53 in-addr.arpa:53 ip6.arpa:53 {`,
    `    bind ${NODE_IP}`,
    '    errors',
    `    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${nodeKubeconfig(ctx.layout, 'coredns')} zerodrop`,
    '        pods insecure',
    '    }',
    '}',
    '# No upstream on purpose (offline machine): every other name is NXDOMAIN.',
    '.:53 {',
    `    bind ${NODE_IP}`,
    '    template ANY ANY {',
    '        rcode NXDOMAIN',
    '    }',
    '}',
    '',
  ].join('\n');
}

export async function writeDnsConfig(ctx: NodeContext): Promise<boolean> {
  return writeIfChanged(corefilePath(ctx), corefile(ctx));
}

/** The A records of `name` as the cluster DNS answers them. */
export async function resolveInCluster(name: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 1 });
  resolver.setServers([NODE_IP]);
  return resolver.resolve4(name);
}

export async function ensureCoreDns(ctx: NodeContext, restart: boolean): Promise<void> {
  const proc = nodeProcess(ctx.layout, 'coredns', path.join(ctx.cp.binDir, 'coredns'), [
    '-conf',
    corefilePath(ctx),
  ]);
  if (restart) await stopProcess(proc);
  await ensureProcess(proc);
  const name = `kubernetes.default.svc.${CLUSTER_DOMAIN}`;
  await waitUntilReady(
    proc,
    async () => {
      const answer = await resolveInCluster(name);
      if (!answer.includes(KUBERNETES_SERVICE_IP))
        throw new Error(`${name} resolved to ${answer.join(', ')}, not ${KUBERNETES_SERVICE_IP}`);
    },
    READY_TIMEOUT_MS,
  );
}
