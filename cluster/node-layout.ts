/**
 * Where the embedded cluster keeps everything, and its fixed network plan. One place, so bring-up,
 * teardown, image loading and the tests agree on every path.
 *
 *   ${ZERODROP_STATE:-<repo>/.zerodrop}/cluster/   (clusterStateRoot())
 *     admin.kubeconfig      the admin kubeconfig (deploy/access.ts reads it)
 *     logs/                 embedded-<component>.log for every component
 *     embedded/             control plane: ports.json, pki/ (every certificate), kubeconfigs/, etcd/, pids/
 *     node/                 containerd/, cni/, kubelet/ (kubelet --root-dir), pod-logs/, config/, pids/
 *
 * Network: the node's bridge `zerodrop0` carries 10.244.0.1/24. That address is the node IP and the
 * address the apiserver, the kubelet and CoreDNS listen on, so pods reach all three and nothing
 * depends on the host's own interfaces. Pods get 10.244.0.2–254, Services 10.96.0.0/16.
 */
import os from 'node:os';
import path from 'node:path';
import { clusterStateRoot } from './control-plane.ts';

/** Instance name: prefixes the log files (`embedded-kubelet.log`). */
export const INSTANCE = 'embedded';
export const BRIDGE = 'zerodrop0';
export const POD_SUBNET = '10.244.0.0/24';
export const NODE_IP = '10.244.0.1';
export const NODE_PREFIX_LENGTH = 24;
export const CLUSTER_DOMAIN = 'cluster.local';
/** The `kubernetes` Service's IP (first address of the apiserver's service CIDR). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
/** containerd's sandbox image: Kubernetes' own pause.c, built here (cluster/images.ts). */
export const PAUSE_IMAGE = 'localhost/pause:3.10-zerodrop';
/** Longest unix socket path the kernel takes (sun_path is 108 bytes, minus ".ttrpc" and the NUL). */
const MAX_SOCKET_PATH = 100;

export interface NodeLayout {
  root: string;
  logDir: string;
  adminKubeconfig: string;
  /** Control-plane state dir (control-plane.ts `stateDir`). */
  controlPlaneDir: string;
  pkiDir: string;
  nodeDir: string;
  nodeName: string;
  containerd: { config: string; socket: string; root: string; state: string; runcRoot: string };
  cniConfDir: string;
  cniDataDir: string;
  kubeletRootDir: string;
  volumePluginDir: string;
  podLogsDir: string;
  configDir: string;
  pidDir: string;
  portsFile: string;
  imagesDir: string;
}

/** A valid node name (DNS-1123 label) from the host name. */
function nodeNameFromHost(): string {
  const name = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return name || 'zerodrop-node';
}

export function nodeLayout(): NodeLayout {
  const root = clusterStateRoot();
  const controlPlaneDir = path.join(root, INSTANCE);
  const nodeDir = path.join(root, 'node');
  const containerdDir = path.join(nodeDir, 'containerd');
  return {
    root,
    logDir: path.join(root, 'logs'),
    adminKubeconfig: path.join(root, 'admin.kubeconfig'),
    controlPlaneDir,
    pkiDir: path.join(controlPlaneDir, 'pki'),
    nodeDir,
    nodeName: nodeNameFromHost(),
    containerd: {
      config: path.join(containerdDir, 'config.toml'),
      socket: path.join(containerdDir, 'containerd.sock'),
      root: path.join(containerdDir, 'root'),
      state: path.join(containerdDir, 'state'),
      runcRoot: path.join(containerdDir, 'runc'),
    },
    cniConfDir: path.join(nodeDir, 'cni', 'net.d'),
    cniDataDir: path.join(nodeDir, 'cni', 'networks'),
    kubeletRootDir: path.join(nodeDir, 'kubelet'),
    volumePluginDir: path.join(nodeDir, 'volume-plugins'),
    podLogsDir: path.join(nodeDir, 'pod-logs'),
    configDir: path.join(nodeDir, 'config'),
    pidDir: path.join(nodeDir, 'pids'),
    portsFile: path.join(nodeDir, 'ports.json'),
    imagesDir: path.join(nodeDir, 'images'),
  };
}

/** Fails early when the state folder is so deep that containerd's socket path would not fit. */
export function checkSocketPath(layout: NodeLayout): void {
  if (layout.containerd.socket.length > MAX_SOCKET_PATH) {
    throw new Error(
      `containerd's socket path ${layout.containerd.socket} is longer than ${MAX_SOCKET_PATH} characters: ` +
        'set ZERODROP_STATE to a shorter folder',
    );
  }
}

export const logFile = (layout: NodeLayout, component: string) =>
  path.join(layout.logDir, `${INSTANCE}-${component}.log`);
