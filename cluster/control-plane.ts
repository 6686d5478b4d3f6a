/**
 * The Kubernetes control plane as host processes: etcd, kube-apiserver, kube-controller-manager
 * and kube-scheduler, on ports chosen at run time, with an offline openssl PKI.
 *
 * Everything an instance owns lives in its state dir (ports.json, pki/, kubeconfigs/, etcd/,
 * pids/); logs go to `<logDir>/<name>-<component>.log`. Each step is idempotent: a re-run reuses
 * the ports, keys and live processes it finds. `deleteControlPlane` has `rm -f` semantics.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { repoRoot as REPO_DIR } from '../tools/paths.ts';
import type { Step } from '../tools/status.ts';
import { builtBinDir } from './binary-cache.ts';
import { ensureProcess, type HostProcess, stopProcess, waitUntilReady } from './host-process.ts';
import { certPaths, ensureCa, ensureCert, ensureSigningKey } from './pki.ts';

/** Services' ClusterIPs; the host routes them onto the node bridge (cluster/host.ts). */
export const SERVICE_CIDR = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';
const CLUSTER_DOMAIN = 'cluster.local';
const PROBE_TIMEOUT_MS = 5_000;
const KUBECTL_TIMEOUT = '30s';
const READY_TIMEOUT_MS = { etcd: 30_000, apiserver: 120_000, component: 60_000 };

export interface ControlPlaneOptions {
  /** Instance name; prefixes log files, e.g. `smoke` → `smoke-etcd.log`. */
  name: string;
  stateDir: string;
  logDir: string;
  /** Address every component listens on. */
  bindAddress?: string;
  /** Address the apiserver publishes for the `kubernetes` Service; must not be loopback. */
  advertiseAddress?: string;
}

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

export interface ControlPlane {
  name: string;
  stateDir: string;
  logDir: string;
  bindAddress: string;
  advertiseAddress: string;
  binDir: string;
  pkiDir: string;
  /** Set by the `Choosing ports` step. */
  ports?: Ports;
}

type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/** `${ZERODROP_STATE:-<repo>/.zerodrop}/cluster`: root of cluster state and of its logs/ folder. */
export function clusterStateRoot(): string {
  return path.join(process.env.ZERODROP_STATE || path.join(REPO_DIR, '.zerodrop'), 'cluster');
}

function primaryIPv4(): string {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
  if (!address) throw new Error('no non-loopback IPv4 address to advertise the apiserver on');
  return address.address;
}

export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  return {
    name: options.name,
    stateDir: options.stateDir,
    logDir: options.logDir,
    bindAddress: options.bindAddress ?? '127.0.0.1',
    advertiseAddress: options.advertiseAddress ?? primaryIPv4(),
    binDir: await builtBinDir(),
    pkiDir: path.join(options.stateDir, 'pki'),
  };
}

const requirePorts = (cp: ControlPlane): Ports => {
  if (!cp.ports) throw new Error('control plane ports are not chosen yet');
  return cp.ports;
};

export const apiserverUrl = (cp: ControlPlane) => `https://${cp.bindAddress}:${requirePorts(cp).apiserver}`;

export const kubeconfigPath = (cp: ControlPlane, user: string) =>
  path.join(cp.stateDir, 'kubeconfigs', `${user}.kubeconfig`);

/**
 * A zx shell whose `kubectl` is the built one, talking to this control plane as admin; each call
 * is killed after KUBECTL_TIMEOUT unless the caller sets its own `timeout`.
 */
export function kubectlShell(cp: ControlPlane) {
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfigPath(cp, 'admin'),
    PATH: `${cp.binDir}:${process.env.PATH}`,
  };
  return $({ env, quiet: true, timeout: KUBECTL_TIMEOUT });
}

function hostProcess(cp: ControlPlane, component: Component, args: string[]): HostProcess {
  return {
    name: component,
    binary: path.join(cp.binDir, component),
    args,
    pidFile: path.join(cp.stateDir, 'pids', `${component}.pid`),
    logFile: path.join(cp.logDir, `${cp.name}-${component}.log`),
  };
}

/** A port that is free on `host` right now. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function ensurePorts(cp: ControlPlane): Promise<void> {
  const file = path.join(cp.stateDir, 'ports.json');
  if (existsSync(file)) {
    cp.ports = JSON.parse(await readFile(file, 'utf8')) as Ports;
    return;
  }
  const chosen = new Set<number>();
  const next = async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = await freePort(cp.bindAddress);
      if (!chosen.has(port)) {
        chosen.add(port);
        return port;
      }
    }
    throw new Error(`no free port on ${cp.bindAddress}`);
  };
  cp.ports = {
    etcdClient: await next(),
    etcdPeer: await next(),
    apiserver: await next(),
    controllerManager: await next(),
    scheduler: await next(),
  };
  await mkdir(cp.stateDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(cp.ports, null, 2)}\n`);
}

async function ensurePki(cp: ControlPlane): Promise<void> {
  const dir = cp.pkiDir;
  await ensureCa(dir, 'ca', 'zerodrop-ca');
  await ensureCa(dir, 'front-proxy-ca', 'zerodrop-front-proxy-ca');
  await ensureSigningKey(dir, 'service-account');
  await ensureCert(dir, {
    name: 'kube-apiserver',
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    dnsNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    ],
    ipAddresses: [...new Set(['127.0.0.1', cp.bindAddress, cp.advertiseAddress, KUBERNETES_SERVICE_IP])],
  });
  await ensureCert(dir, {
    name: 'admin',
    commonName: 'zerodrop-admin',
    organization: 'system:masters',
    usages: ['clientAuth'],
  });
  // The apiserver's identity towards kubelets (logs, exec, port-forward); RBAC grants it
  // system:kubelet-api-admin (cluster/node.ts).
  await ensureCert(dir, {
    name: 'apiserver-kubelet-client',
    commonName: 'kube-apiserver-kubelet-client',
    usages: ['clientAuth'],
  });
  await ensureCert(dir, {
    name: 'front-proxy-client',
    signer: 'front-proxy-ca',
    commonName: 'front-proxy-client',
    usages: ['clientAuth'],
  });
  for (const component of ['kube-controller-manager', 'kube-scheduler']) {
    await ensureCert(dir, {
      name: component,
      commonName: `system:${component}`,
      usages: ['serverAuth', 'clientAuth'],
      dnsNames: ['localhost'],
      ipAddresses: [...new Set(['127.0.0.1', cp.bindAddress])],
    });
  }
}

function kubeconfig(cp: ControlPlane, user: string): string {
  const { cert, key } = certPaths(cp.pkiDir, user);
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'zerodrop',
          cluster: { server: apiserverUrl(cp), 'certificate-authority': certPaths(cp.pkiDir, 'ca').cert },
        },
      ],
      users: [{ name: user, user: { 'client-certificate': cert, 'client-key': key } }],
      contexts: [{ name: 'zerodrop', context: { cluster: 'zerodrop', user } }],
      'current-context': 'zerodrop',
    },
    null,
    2,
  );
}

async function ensureKubeconfigs(cp: ControlPlane): Promise<void> {
  await mkdir(path.join(cp.stateDir, 'kubeconfigs'), { recursive: true });
  for (const user of ['admin', 'kube-controller-manager', 'kube-scheduler']) {
    const file = kubeconfigPath(cp, user);
    const content = `${kubeconfig(cp, user)}\n`;
    // Unchanged files stay untouched, so a re-run changes nothing.
    if (!existsSync(file) || (await readFile(file, 'utf8')) !== content) await writeFile(file, content);
  }
}

/** GET over TLS verified against the cluster CA; resolves on 200, rejects otherwise. */
async function httpsCheck(cp: ControlPlane, url: string, clientUser?: string): Promise<void> {
  const ca = await readFile(certPaths(cp.pkiDir, 'ca').cert);
  const client = clientUser ? certPaths(cp.pkiDir, clientUser) : undefined;
  const cert = client && (await readFile(client.cert));
  const key = client && (await readFile(client.key));
  await new Promise<void>((resolve, reject) => {
    const request = https.get(url, { ca, cert, key, timeout: PROBE_TIMEOUT_MS }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${response.statusCode} ${body}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer in ${PROBE_TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

async function ensureEtcd(cp: ControlPlane): Promise<void> {
  const ports = requirePorts(cp);
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  const proc = hostProcess(cp, 'etcd', [
    `--name=${cp.name}`,
    `--data-dir=${path.join(cp.stateDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${cp.name}=${peer}`,
  ]);
  await ensureProcess(proc);
  await waitUntilReady(
    proc,
    async () => {
      const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const body = await response.text();
      if (!body.includes('"health":"true"')) throw new Error(`${client}/health: ${body}`);
    },
    READY_TIMEOUT_MS.etcd,
  );
}

async function ensureApiserver(cp: ControlPlane): Promise<void> {
  const ports = requirePorts(cp);
  const pki = cp.pkiDir;
  const serving = certPaths(pki, 'kube-apiserver');
  const frontProxy = certPaths(pki, 'front-proxy-client');
  const kubeletClient = certPaths(pki, 'apiserver-kubelet-client');
  const serviceAccount = {
    key: path.join(pki, 'service-account.key'),
    pub: path.join(pki, 'service-account.pub'),
  };
  const proc = hostProcess(cp, 'kube-apiserver', [
    `--bind-address=${cp.bindAddress}`,
    `--advertise-address=${cp.advertiseAddress}`,
    `--secure-port=${ports.apiserver}`,
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    `--client-ca-file=${certPaths(pki, 'ca').cert}`,
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
    `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    `--service-account-key-file=${serviceAccount.pub}`,
    `--service-account-signing-key-file=${serviceAccount.key}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--requestheader-client-ca-file=${certPaths(pki, 'front-proxy-ca').cert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${frontProxy.cert}`,
    `--proxy-client-key-file=${frontProxy.key}`,
    `--kubelet-client-certificate=${kubeletClient.cert}`,
    `--kubelet-client-key=${kubeletClient.key}`,
    `--kubelet-certificate-authority=${certPaths(pki, 'ca').cert}`,
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
  ]);
  await ensureProcess(proc);
  await waitUntilReady(
    proc,
    () => httpsCheck(cp, `${apiserverUrl(cp)}/readyz`, 'admin'),
    READY_TIMEOUT_MS.apiserver,
  );
}

/** Flags controller-manager and scheduler share: API access, serving cert, loopback binding. */
function componentFlags(cp: ControlPlane, component: Component, port: number): string[] {
  const kubeconfigFile = kubeconfigPath(cp, component);
  const serving = certPaths(cp.pkiDir, component);
  return [
    `--kubeconfig=${kubeconfigFile}`,
    `--authentication-kubeconfig=${kubeconfigFile}`,
    `--authorization-kubeconfig=${kubeconfigFile}`,
    `--client-ca-file=${certPaths(cp.pkiDir, 'ca').cert}`,
    `--bind-address=${cp.bindAddress}`,
    `--secure-port=${port}`,
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
    '--leader-elect=false',
  ];
}

async function ensureControllerManager(cp: ControlPlane): Promise<void> {
  const ports = requirePorts(cp);
  const ca = certPaths(cp.pkiDir, 'ca');
  const proc = hostProcess(cp, 'kube-controller-manager', [
    ...componentFlags(cp, 'kube-controller-manager', ports.controllerManager),
    `--root-ca-file=${ca.cert}`,
    `--service-account-private-key-file=${path.join(cp.pkiDir, 'service-account.key')}`,
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${ca.cert}`,
    `--cluster-signing-key-file=${ca.key}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
  ]);
  await ensureProcess(proc);
  const url = `https://${cp.bindAddress}:${ports.controllerManager}/healthz`;
  await waitUntilReady(proc, () => httpsCheck(cp, url), READY_TIMEOUT_MS.component);
}

async function ensureScheduler(cp: ControlPlane): Promise<void> {
  const ports = requirePorts(cp);
  const proc = hostProcess(cp, 'kube-scheduler', componentFlags(cp, 'kube-scheduler', ports.scheduler));
  await ensureProcess(proc);
  const url = `https://${cp.bindAddress}:${ports.scheduler}/healthz`;
  await waitUntilReady(proc, () => httpsCheck(cp, url), READY_TIMEOUT_MS.component);
}

export const controlPlaneSteps: Step<ControlPlane>[] = [
  { title: 'Choosing ports', run: ensurePorts },
  { title: 'Issuing certificates', run: ensurePki },
  { title: 'Writing kubeconfigs', run: ensureKubeconfigs },
  { title: 'Starting etcd', run: ensureEtcd },
  { title: 'Starting kube-apiserver', run: ensureApiserver },
  { title: 'Starting kube-controller-manager', run: ensureControllerManager },
  { title: 'Starting kube-scheduler', run: ensureScheduler },
];

/** Stops every component (newest first) and removes the state dir; logs are kept. */
export async function deleteControlPlane(cp: ControlPlane): Promise<void> {
  const components: Component[] = ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];
  for (const component of components) await stopProcess(hostProcess(cp, component, []));
  await rm(cp.stateDir, { recursive: true, force: true });
}
