/**
 * Images for the embedded node, built from host files with cluster/images.ts and imported into its
 * containerd (`ctr -n k8s.io images import`), like `kind load image-archive`. Nothing is ever pulled:
 *   - localhost/pause:3.10-zerodrop: Kubernetes' own pause.c (containerd's sandbox_image), cached
 *     under ${XDG_CACHE_HOME:-~/.cache}/zerodrop/images by Kubernetes version
 *   - localhost/zerodrop/session-app:v1 and :v2: node + its libraries + dist/app/server.cjs (same
 *     content, two tags, so a rollout can change the image)
 *   - localhost/zerodrop/redis:7: /usr/bin/redis-server + its libraries
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { repoRoot as REPO_DIR } from '../tools/paths.ts';
import { StepError } from '../tools/status.ts';
import { readVersions } from './binary-cache.ts';
import { buildImage, buildPauseBinary } from './images.ts';
import { ctr } from './node.ts';
import { type NodeLayout, PAUSE_IMAGE } from './node-layout.ts';

export const SESSION_APP_IMAGES = ['localhost/zerodrop/session-app:v1', 'localhost/zerodrop/session-app:v2'];
export const REDIS_IMAGE = 'localhost/zerodrop/redis:7';

const imageCacheDir = () =>
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'zerodrop', 'images');

/** Image names present in the node's containerd. */
export async function imageNames(layout: NodeLayout): Promise<Set<string>> {
  const out = await ctr(layout, ['images', 'ls', '-q'], 'listing images');
  return new Set(out.split('\n').filter(Boolean));
}

/** Imports a docker-archive or OCI tarball; returns the names it brought. */
export async function importArchive(layout: NodeLayout, archive: string): Promise<string[]> {
  if (!existsSync(archive)) throw new Error(`IMAGE: no image archive at ${archive}`);
  const out = await ctr(
    layout,
    ['images', 'import', '--snapshotter', 'overlayfs', archive],
    `importing ${archive}`,
  );
  // ctr prints "unpacking <name> (sha256:…)...done" per image.
  return [...out.matchAll(/unpacking (\S+) \(/g)].map((m) => m[1] ?? '').filter(Boolean);
}

/** The pause image tarball, built once per Kubernetes version from that version's pause.c. */
async function pauseArchive(): Promise<string> {
  const { kubernetes } = await readVersions();
  const archive = path.join(imageCacheDir(), `pause-${kubernetes}.tar`);
  if (existsSync(archive)) return archive;
  const download = await $({
    quiet: true,
    nothrow: true,
    cwd: os.tmpdir(),
    timeout: '5m',
    env: { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local' },
  })`go mod download -json ${`k8s.io/kubernetes@${kubernetes}`}`;
  if (download.exitCode !== 0)
    throw new StepError(`go mod download k8s.io/kubernetes@${kubernetes} failed`, download.stdall);
  const sourceDir = (JSON.parse(download.stdout) as { Dir?: string }).Dir;
  if (!sourceDir) throw new StepError('go mod download gave no source directory', download.stdout);
  await mkdir(imageCacheDir(), { recursive: true });
  const work = await mkdtemp(path.join(imageCacheDir(), '.pause-'));
  try {
    const binary = path.join(work, 'pause');
    buildPauseBinary(sourceDir, binary);
    const partial = path.join(work, 'pause.tar');
    buildImage(
      {
        tags: [PAUSE_IMAGE],
        programs: [{ source: binary, target: '/pause' }],
        files: [],
        entrypoint: ['/pause'],
      },
      partial,
    );
    await rename(partial, archive);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return archive;
}

/** Imports the pause image unless containerd has it; true when it imported. */
export async function ensurePauseImage(layout: NodeLayout): Promise<boolean> {
  if ((await imageNames(layout)).has(PAUSE_IMAGE)) return false;
  await importArchive(layout, await pauseArchive());
  return true;
}

/** Builds the reference service's and Redis's image tarballs into the node's images folder. */
export async function buildServiceImages(layout: NodeLayout): Promise<string[]> {
  const server = path.join(REPO_DIR, 'dist/app/server.cjs');
  if (!existsSync(server)) throw new Error(`${path.relative(REPO_DIR, server)} is missing: run make bundle`);
  const redis = '/usr/bin/redis-server';
  if (!existsSync(redis))
    throw new Error(`${redis} is missing: run make setup (Debian package redis-server)`);
  await mkdir(layout.imagesDir, { recursive: true });
  const app = path.join(layout.imagesDir, 'session-app.tar');
  buildImage(
    {
      tags: SESSION_APP_IMAGES,
      programs: [{ source: process.execPath, target: '/usr/bin/node' }],
      files: [{ source: server, target: '/app/server.cjs' }],
      entrypoint: ['/usr/bin/node', '/app/server.cjs'],
    },
    app,
  );
  const store = path.join(layout.imagesDir, 'redis.tar');
  buildImage(
    {
      tags: [REDIS_IMAGE],
      programs: [{ source: redis, target: redis }],
      files: [],
      entrypoint: [redis],
    },
    store,
  );
  return [app, store];
}
