/**
 * Builds the project's k6 with xk6 from the pins in build/versions.json and installs it as bin/k6.
 * The pinned k6 module gets the fixes in build/k6-patches/ first (each file says what it fixes and why).
 * The binary is cached in the user's cache folder keyed by the pins, the patches, the local extension
 * sources and the Go version, so a second build — even from a fresh clone on the same machine — only
 * copies a file.
 *
 * Usage: tsx build/build-k6.ts [--force] [--without-patches --output <file>]
 * (--without-patches: stock k6 with the same extensions, for bench/k6-first-frames.ts; --output: install
 * there instead of bin/k6)
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { cacheRoot, contentKey } from '../tools/cache.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { fatal, Status, StepError } from '../tools/status.ts';
import { type Pins, readPins } from './pins.ts';

const status = new Status(process.stdout);

const sh = $({ quiet: true, nothrow: true, env: { ...process.env, CGO_ENABLED: '0' } });

/** Fixes to k6 itself, applied in name order to the pinned k6 module's source before xk6 builds it. */
const patchFolder = join(repo, 'build/k6-patches');
const k6Module = 'go.k6.io/k6/v2';

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      'without-patches': { type: 'boolean', default: false },
      output: { type: 'string', default: join(repo, 'bin/k6') },
    },
  });
  const pins = readPins(join(repo, 'build/versions.json'));
  const goVersion = await requireGo(pins.go);
  const localFolders = pins.extensions.flatMap((e) => (e.path ? [join(repo, e.path)] : []));
  const patches = flags['without-patches']
    ? []
    : readdirSync(patchFolder)
        .filter((name) => name.endsWith('.patch'))
        .sort()
        .map((name) => join(patchFolder, name));
  const key = flags['without-patches']
    ? contentKey([JSON.stringify(pins), goVersion, 'without patches'], localFolders)
    : contentKey([JSON.stringify(pins), goVersion], [...localFolders, patchFolder]);
  const cached = join(cacheRoot(), 'k6', key, 'k6');
  const target = resolve(flags.output);

  if (flags.force || !existsSync(cached)) {
    await status.step('Checking pinned modules on the Go module proxy', () => checkModules(pins));
    const xk6 = await status.step(`Building xk6 ${pins.xk6}`, () => buildXk6(pins.xk6));
    const work = mkdtempSync(join(tmpdir(), 'zerodrop-k6-'));
    try {
      const source =
        patches.length === 0
          ? null
          : await status.step(
              `Patching k6 ${pins.k6}: ${patches.map((p) => basename(p, '.patch')).join(', ')}`,
              () => patchedK6(pins.k6, patches, work),
            );
      await status.step(`Building k6 ${pins.k6} with ${pins.extensions.length} extensions`, () =>
        buildK6(xk6, pins, source, work, cached),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const shown = target.startsWith(`${repo}/`) ? relative(repo, target) : target;
  await status.step(`Installing ${shown} (cache ${key})`, async () => {
    mkdirSync(dirname(target), { recursive: true });
    // Copy beside, then rename over: replacing a bin/k6 that is running (ETXTBSY on a copy in place).
    const staging = `${target}.${process.pid}.tmp`;
    copyFileSync(cached, staging);
    renameSync(staging, target);
    await verifyExtensions(target, pins);
  });
}

async function requireGo(minimum: string): Promise<string> {
  const out = await sh`go env GOVERSION`;
  if (out.exitCode !== 0)
    throw new StepError(`go not found on PATH: install Go ≥ ${minimum} (https://go.dev/dl)`);
  const version = out.stdout.trim();
  if (compareVersions(version.replace(/^go/, ''), minimum) < 0) {
    throw new StepError(`go ${version} is too old: k6 needs Go ≥ ${minimum}`);
  }
  return version;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Fails with one line naming the first pinned module the proxy does not serve. */
async function checkModules(pins: Pins): Promise<void> {
  const modules = [
    `go.k6.io/xk6@${pins.xk6}`,
    `${k6Module}@${pins.k6}`,
    ...pins.extensions.flatMap((e) => (e.version ? [`${e.module}@${e.version}`] : [])),
  ];
  for (const module of modules) {
    const out = await sh`go mod download -json ${module}`;
    if (out.exitCode !== 0) {
      const reason = /"Error":\s*"([^"]*)"/.exec(out.stdout)?.[1] ?? out.stderr.trim().split('\n').pop();
      throw new StepError(`pinned module ${module} is not available from the Go module proxy: ${reason}`);
    }
  }
}

/** xk6 is built from a throwaway wrapper module: `go install …@version` needs the proxy's @v/list. */
async function buildXk6(version: string): Promise<string> {
  const binary = join(cacheRoot(), 'xk6', version, 'xk6');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), 'zerodrop-xk6-'));
  try {
    await run(sh({ cwd: work })`go mod init zerodrop.local/xk6tool`, 'go mod init');
    await run(sh({ cwd: work })`go get go.k6.io/xk6@${version}`, `go get go.k6.io/xk6@${version}`);
    await run(sh({ cwd: work })`go build -trimpath -o ${join(work, 'xk6')} go.k6.io/xk6`, 'go build xk6');
    mkdirSync(dirname(binary), { recursive: true });
    renameSync(join(work, 'xk6'), binary);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A copy of the pinned k6 module's source (from the Go module cache) with every patch applied. */
async function patchedK6(version: string, patches: string[], work: string): Promise<string> {
  const download = await run(sh`go mod download -json ${k6Module}@${version}`, `go mod download ${k6Module}`);
  const { Dir } = JSON.parse(download) as { Dir: string };
  const source = join(work, 'k6-source');
  cpSync(Dir, source, { recursive: true });
  // The module cache is read-only.
  await run(sh`chmod -R u+w ${source}`, 'chmod the k6 source copy');
  for (const patch of patches) {
    await run(
      sh({ cwd: source })`patch -p1 --forward --batch --fuzz=0 -i ${patch}`,
      `applying build/k6-patches/${basename(patch)} to k6 ${version}`,
    );
  }
  return source;
}

/**
 * Builds in `work` (from `source`, a patched copy of k6, or the pinned module when null) and renames into
 * the cache, so an interrupted build leaves no half entry.
 */
async function buildK6(
  xk6: string,
  pins: Pins,
  source: string | null,
  work: string,
  cached: string,
): Promise<void> {
  const replace = source === null ? [] : ['--replace', `${k6Module}=${source}`];
  const withFlags = pins.extensions.flatMap((e) => [
    '--with',
    e.path ? `${e.module}=${join(repo, e.path)}` : `${e.module}@${e.version}`,
  ]);
  await run(
    sh({
      cwd: work,
    })`${xk6} build ${pins.k6} ${replace} ${withFlags} --output ${join(work, 'k6')}`,
    'xk6 build',
  );
  mkdirSync(dirname(cached), { recursive: true });
  renameSync(join(work, 'k6'), cached);
}

async function verifyExtensions(k6: string, pins: Pins): Promise<void> {
  const out = await run(sh`${k6} version`, 'k6 version');
  const missing = pins.extensions.filter((e) => !out.includes(e.module));
  if (missing.length > 0) {
    throw new StepError(`bin/k6 lacks extensions: ${missing.map((e) => e.module).join(', ')}`, out);
  }
}

async function run(
  pending: Promise<{ exitCode: number | null; stdout: string; stderr: string }>,
  what: string,
) {
  const out = await pending;
  if (out.exitCode !== 0) {
    const tail = `${out.stdout}\n${out.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new StepError(`${what} failed (exit ${out.exitCode})`, tail);
  }
  return out.stdout;
}

main().catch(fatal);
