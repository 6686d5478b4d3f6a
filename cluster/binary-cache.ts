/**
 * Where the cluster binaries live: `${XDG_CACHE_HOME:-$HOME/.cache}/zerodrop/kube/<key>/bin/`.
 *
 * The key is a short hash of versions.json, build-binaries.ts and this file, so a change to
 * a pin or to how the binaries are built selects a fresh directory, while a fresh clone with the
 * same files finds the existing build. A directory only appears under its key once complete
 * (built elsewhere, then renamed) and holds the marker `build.json`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const CLUSTER_DIR = path.dirname(new URL(import.meta.url).pathname);
const KEY_INPUTS = ['versions.json', 'build-binaries.ts', 'binary-cache.ts'];

export const KUBE_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
] as const;
export const ALL_BINARIES = [...KUBE_BINARIES, 'etcd', 'etcdctl', 'coredns'] as const;
export type BinaryName = (typeof ALL_BINARIES)[number];

export interface Versions {
  kubernetes: string;
  protobuf: string;
  etcd: string;
  coredns: string;
}

export interface BinaryCache {
  key: string;
  /** `<cache>/zerodrop/kube`: parent of every keyed build and of in-progress temp dirs. */
  root: string;
  /** `<root>/<key>`: the completed build, present only once `marker` is written. */
  dir: string;
  binDir: string;
  marker: string;
}

export async function readVersions(): Promise<Versions> {
  const file = path.join(CLUSTER_DIR, 'versions.json');
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  const fields: (keyof Versions)[] = ['kubernetes', 'protobuf', 'etcd', 'coredns'];
  for (const field of fields) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value !== 'string' || !value.startsWith('v')) {
      throw new Error(`${file}: "${field}" must be a version string starting with "v"`);
    }
  }
  return parsed as Versions;
}

export async function binaryCache(): Promise<BinaryCache> {
  const hash = createHash('sha256');
  for (const input of KEY_INPUTS) {
    hash.update(`${input}\0`);
    hash.update(await readFile(path.join(CLUSTER_DIR, input)));
  }
  const key = hash.digest('hex').slice(0, 12);
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const root = path.join(cacheHome, 'zerodrop', 'kube');
  const dir = path.join(root, key);
  return { key, root, dir, binDir: path.join(dir, 'bin'), marker: path.join(dir, 'build.json') };
}

/** The completed build's bin dir; fails with the command to run when it is missing. */
export async function builtBinDir(): Promise<string> {
  const cache = await binaryCache();
  if (!existsSync(cache.marker)) {
    throw new Error(
      `cluster binaries are not built for key ${cache.key}: run npx tsx cluster/build-binaries.ts`,
    );
  }
  return cache.binDir;
}
