/** The node components' certificates and kubeconfigs, and the RBAC they need in the cluster. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StepError } from '../../tools/status.ts';
import { type ControlPlane, kubeconfigPath, kubectlShell } from '../control-plane.ts';
import { NODE_IP, type NodeLayout } from '../node-layout.ts';
import { certPaths, ensureCert } from '../pki.ts';
import { json, type NodeContext, writeIfChanged } from './process.ts';

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
