/**
 * Container images built from local files, with no registry and no base image: each is one layer holding
 * a program, the shared libraries `ldd` lists and the loader, packed as a docker-archive tarball that
 * `ctr images import` loads into the node's containerd. Names are fully qualified (`localhost/…`) and
 * pods use `imagePullPolicy: Never`, so nothing ever tries to pull.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface ImageSpec {
  /** Fully qualified references this image is tagged with, e.g. `localhost/zerodrop/redis:7`. */
  tags: string[];
  /** Host files to copy: source path → path inside the image. Programs bring their libraries along. */
  programs: { source: string; target: string }[];
  files: { source: string; target: string }[];
  /** Symbolic links inside the image: `path` → `target` (e.g. busybox applets: /bin/sh → /bin/busybox). */
  symlinks?: { path: string; target: string }[];
  /** Host folders copied whole (symbolic links kept as links unless `dereference`): source folder → folder inside the image. */
  trees?: { source: string; target: string; exclude?: string[]; dereference?: boolean }[];
  entrypoint: string[];
  /** The container's working directory; `/` when absent. */
  workingDir?: string;
  /** Extra environment (`NAME=value`) besides PATH. */
  env?: string[];
}

/** Shared libraries (and the loader) a dynamically linked program needs, as absolute host paths. */
export function sharedLibraries(program: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // static binary: "not a dynamic executable"
  }
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths];
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes a docker-archive tarball for `spec` to `output`; returns its image id (config digest). */
export function buildImage(spec: ImageSpec, output: string): string {
  const work = mkdtempSync(join(tmpdir(), 'zerodrop-image-'));
  try {
    const rootfs = join(work, 'rootfs');
    const put = (source: string, target: string) => {
      const dest = join(rootfs, target);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(realpathSync(source), dest);
    };
    for (const { source, target } of spec.programs) {
      put(source, target);
      for (const lib of sharedLibraries(source)) put(lib, lib);
    }
    for (const { source, target } of spec.files) put(source, target);
    for (const { source, target, exclude = [], dereference = false } of spec.trees ?? []) {
      const skip = new Set(exclude);
      cpSync(source, join(rootfs, target), {
        recursive: true,
        dereference,
        verbatimSymlinks: !dereference,
        // A link that leads nowhere (a JDK's src.zip without its source package) is left out.
        filter: (file) => !skip.has(basename(file)) && (!dereference || existsSync(file)),
      });
    }
    for (const { path, target } of spec.symlinks ?? []) {
      mkdirSync(dirname(join(rootfs, path)), { recursive: true });
      symlinkSync(target, join(rootfs, path));
    }
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );

    const archive = join(work, 'archive');
    mkdirSync(archive);
    execFileSync('tar', [
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--sort=name',
      '--mtime=@0',
      '-C',
      rootfs,
      '-cf',
      join(archive, 'layer.tar'),
      '.',
    ]);
    const layerDigest = sha256(readFileSync(join(archive, 'layer.tar')));
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Entrypoint: spec.entrypoint,
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', ...(spec.env ?? [])],
        WorkingDir: spec.workingDir ?? '/',
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'zerodrop cluster/images.ts' }],
    });
    const configDigest = sha256(config);
    writeFileSync(join(archive, `${configDigest}.json`), config);
    writeFileSync(
      join(archive, 'manifest.json'),
      JSON.stringify([{ Config: `${configDigest}.json`, RepoTags: spec.tags, Layers: ['layer.tar'] }]),
    );
    mkdirSync(dirname(output), { recursive: true });
    execFileSync('tar', ['--numeric-owner', '-C', archive, '-cf', output, '.']);
    return `sha256:${configDigest}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Compiles Kubernetes' own pause.c (from the k8s.io/kubernetes module source) into a static binary. */
export function buildPauseBinary(kubernetesSourceDir: string, output: string): void {
  mkdirSync(dirname(output), { recursive: true });
  execFileSync('gcc', [
    '-Os',
    '-Wall',
    '-Werror',
    '-static',
    '-DVERSION=v3.10-zerodrop',
    '-o',
    output,
    join(kubernetesSourceDir, 'build/pause/linux/pause.c'),
  ]);
  execFileSync('strip', [output]);
}
