/**
 * What every component of the embedded node shares: the node's context and ports, a component as a host
 * process (started, restarted when its configuration changed, probed until ready), and configuration
 * files written only when they change.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ControlPlane, freePort } from '../control-plane.ts';
import { ensureProcess, type HostProcess, runningPid, stopProcess } from '../host-process.ts';
import { logFile, NODE_IP, type NodeLayout } from '../node-layout.ts';

export const READY_TIMEOUT_MS = { containerd: 30_000, kubelet: 60_000, kubeProxy: 60_000 };
const PROBE_TIMEOUT_MS = 3_000;

export interface NodePorts {
  kubelet: number;
  kubeletHealthz: number;
  kubeProxyHealthz: number;
  kubeProxyMetrics: number;
}

export interface NodeContext {
  layout: NodeLayout;
  cp: ControlPlane;
  /** Set by `ensureNodePorts`. */
  ports?: NodePorts;
}

export type NodeComponent = 'containerd' | 'kubelet' | 'kube-proxy' | 'coredns';

export const requirePorts = (ctx: NodeContext): NodePorts => {
  if (!ctx.ports) throw new Error('node ports are not chosen yet');
  return ctx.ports;
};

/** A node component as a host process; `binary` only needs the right base name to find and stop it. */
export function nodeProcess(
  layout: NodeLayout,
  component: NodeComponent,
  binary: string = component,
  args: string[] = [],
): HostProcess {
  return {
    name: component,
    binary,
    args,
    pidFile: path.join(layout.pidDir, `${component}.pid`),
    logFile: logFile(layout, component),
  };
}

export const isRunning = (proc: Pick<HostProcess, 'pidFile' | 'binary'>) =>
  runningPid(proc.pidFile, proc.binary) !== undefined;

/** Writes `content` unless the file already holds it; true when it wrote (so the caller restarts). */
export async function writeIfChanged(file: string, content: string, mode = 0o644): Promise<boolean> {
  if (existsSync(file) && (await readFile(file, 'utf8')) === content) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content, { mode });
  return true;
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Ports for the kubelet and kube-proxy, chosen once and kept in node/ports.json. */
export async function ensureNodePorts(ctx: NodeContext): Promise<void> {
  const file = ctx.layout.portsFile;
  if (existsSync(file)) {
    ctx.ports = JSON.parse(await readFile(file, 'utf8')) as NodePorts;
    return;
  }
  const chosen = new Set<number>();
  const next = async (host: string) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = await freePort(host);
      if (!chosen.has(port)) {
        chosen.add(port);
        return port;
      }
    }
    throw new Error(`no free port on ${host}`);
  };
  ctx.ports = {
    kubelet: await next(NODE_IP),
    kubeletHealthz: await next('127.0.0.1'),
    kubeProxyHealthz: await next('127.0.0.1'),
    kubeProxyMetrics: await next('127.0.0.1'),
  };
  await writeIfChanged(file, json(ctx.ports));
}

/** Starts a component unless it runs; restarts it when its configuration changed. */
export async function startComponent(proc: HostProcess, restart: boolean): Promise<void> {
  if (restart && isRunning(proc)) await stopProcess(proc);
  await ensureProcess(proc);
}

export async function httpOk(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}
