/**
 * How the Make targets reach a cluster: the embedded one (admin kubeconfig in the cluster state folder,
 * the built kubectl) or, with CLUSTER=existing, the current kubeconfig context and the kubectl on PATH.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $, type Shell } from 'zx';
import { builtBinDir } from '../cluster/binary-cache.ts';
import { clusterStateRoot } from '../cluster/control-plane.ts';
import type { DeploySettings } from './config.ts';

export interface ClusterAccess {
  kubeconfig: string;
  kubectl: string;
  /** A zx shell with KUBECONFIG set. */
  sh: Shell;
}

export function embeddedKubeconfig(): string {
  return path.join(clusterStateRoot(), 'admin.kubeconfig');
}

export async function clusterAccess(settings: Pick<DeploySettings, 'cluster'>): Promise<ClusterAccess> {
  let kubeconfig: string;
  let kubectl: string;
  if (settings.cluster === 'embedded') {
    kubeconfig = embeddedKubeconfig();
    if (!existsSync(kubeconfig))
      throw new Error(`CLUSTER: the embedded cluster is not up (no ${kubeconfig}): run make cluster-up`);
    kubectl = path.join(await builtBinDir(), 'kubectl');
  } else {
    kubeconfig = process.env.KUBECONFIG || path.join(os.homedir(), '.kube', 'config');
    if (!existsSync(kubeconfig))
      throw new Error(`CLUSTER: CLUSTER=existing but there is no kubeconfig at ${kubeconfig}`);
    kubectl = 'kubectl';
  }
  const sh = $({ env: { ...process.env, KUBECONFIG: kubeconfig }, quiet: true });
  return { kubeconfig, kubectl, sh };
}
