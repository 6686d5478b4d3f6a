/**
 * Builds the single-node cluster's binaries from the Go module proxy and caches them outside the
 * clone, under a key that changes with the pins and with this file (see binary-cache.ts).
 *
 *   npx tsx cluster/build-binaries.ts [--help]
 *
 * Kubernetes cannot be `go install`ed (its go.mod replaces every staging module with a local path),
 * so each component is built from a generated wrapper module: k8s.io/kubernetes plus one replace
 * line per staging module pointing at the published k8s.io/<name> v0.X.Y, etcd server/etcdctl
 * (whose go.mod replaces its sibling modules too), and CoreDNS. Builds run in a temp dir beside
 * the cache entry and are renamed into place only when complete, so an interrupted run leaves no
 * half cache; a completed key makes every later run a no-op.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $, which } from 'zx';
import { fatal, formatDuration, Status, StepError } from '../tools/status.ts';
import {
  ALL_BINARIES,
  type BinaryCache,
  type BinaryName,
  binaryCache,
  KUBE_BINARIES,
  readVersions,
  type Versions,
} from './binary-cache.ts';
import { isAlive } from './host-process.ts';

const USAGE = `Usage: npx tsx cluster/build-binaries.ts [--help]

Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl,
etcd, etcdctl and coredns at the pins in cluster/versions.json into
\${XDG_CACHE_HOME:-$HOME/.cache}/zerodrop/kube/<key>/bin. A cached key returns at once.`;

/**
 * Upstream's release tags (hack/lib/golang.sh): `grpcnotrace` drops golang.org/x/net/trace so the
 * linker can prune unused methods (kube-apiserver 103 → 87 MB, kube-proxy 70 → 44 MB). All kube
 * binaries are built static (CGO_ENABLED=0), the kubelet too, unlike upstream.
 */
const KUBE_BUILD_TAGS = 'selinux,notest,grpcnotrace';
const KUBE_VERSION_PACKAGES = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'];
/** The proxy's .info for k8s.io/kubernetes carries no VCS origin, so there is no commit to stamp. */
const UNKNOWN_COMMIT = 'unknown-built-from-module-proxy';

interface ModuleInfo {
  version: string;
  /** Tag time, RFC 3339 in UTC without fractions: the reproducible build date. */
  time: string;
  commit: string | undefined;
  goMod: string;
}

interface WrapperModule {
  dir: string;
  /** `go` and `godebug` lines copied from the wrapped module so runtime defaults stay upstream's. */
  directives: string[];
  require: string[];
  replace: string[];
  tools: string[];
}

interface BuildTarget {
  name: BinaryName;
  pkg: string;
  tags?: string;
  ldflags: string[];
}

const aborter = new AbortController();
const goEnv = { ...process.env, CGO_ENABLED: '0', GOWORK: 'off', GOTOOLCHAIN: 'local' };
const go = $({ env: goEnv, nothrow: true, quiet: true, ac: aborter });

function parseConfig(argv: string[]): { help: boolean } {
  const unknown = argv.filter((arg) => arg !== '--help' && arg !== '-h');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}\n${USAGE}`);
  return { help: argv.length > 0 };
}

/** Names the module versions the proxy refused, if that is why a go command failed. */
function refusedModules(output: string): string | undefined {
  const refused = new Set<string>();
  for (const line of output.split('\n')) {
    const answer = line.match(/403 Forbidden|404 Not Found/)?.[0];
    const mod = line.match(/[\w.~-]+(?:\/[\w.~-]+)*@v[\w.+-]+/)?.[0];
    if (answer && mod) refused.add(`${mod} (${answer})`);
  }
  return refused.size > 0 ? `the Go module proxy refused ${[...refused].join(', ')}` : undefined;
}

async function runGo(what: string, args: string[], cwd?: string): Promise<string> {
  const result = await go({ cwd })`go ${args}`;
  if (result.exitCode !== 0) {
    if (aborter.signal.aborted) throw new StepError(`${what}: interrupted`);
    const reason = refusedModules(result.stdall) ?? `go ${args[0]} exited with ${result.exitCode}`;
    throw new StepError(`${what}: ${reason}`, result.stdall);
  }
  return result.stdout;
}

async function goVersion(): Promise<string> {
  if (!(await which('go', { nothrow: true }))) {
    throw new Error('go not found on PATH: install Go 1.26 or newer (https://go.dev/dl) and retry');
  }
  return (await runGo('reading the Go version', ['env', 'GOVERSION'])).trim();
}

/** Fetches one pinned module (run outside any module, in `cwd`) and reads its tag time and go.mod. */
async function downloadModule(cwd: string, mod: string, version: string): Promise<ModuleInfo> {
  const result = await go({ cwd })`go mod download -json ${`${mod}@${version}`}`;
  const parsed = JSON.parse(result.stdout || '{}') as { Error?: string; Info?: string; GoMod?: string };
  if (result.exitCode !== 0 || parsed.Error || !parsed.Info || !parsed.GoMod) {
    const reason = refusedModules(parsed.Error ?? result.stdall) ?? parsed.Error ?? result.stderr.trim();
    throw new StepError(`resolving ${mod}@${version}: ${reason}`, result.stdall);
  }
  const info = JSON.parse(await readFile(parsed.Info, 'utf8')) as {
    Time: string;
    Origin?: { Hash?: string };
  };
  return {
    version,
    time: new Date(info.Time).toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: info.Origin?.Hash,
    goMod: await readFile(parsed.GoMod, 'utf8'),
  };
}

function upstreamDirectives(goMod: string): string[] {
  return [...goMod.matchAll(/^(?:go \S+|godebug (?:\([\s\S]*?^\)|.+))$/gm)].map((m) => m[0]);
}

/** `k8s.io/api => k8s.io/api v0.35.8` for every `k8s.io/<name> => ./staging/src/k8s.io/<name>`. */
function stagingReplaces(kubeGoMod: string, kubeVersion: string): string[] {
  const stagingVersion = `v0${kubeVersion.slice(kubeVersion.indexOf('.'))}`;
  const names = [...kubeGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+) => \.\/staging\/src\/k8s\.io\//gm)];
  if (names.length === 0) throw new Error(`k8s.io/kubernetes@${kubeVersion}: go.mod has no staging replaces`);
  return names.map(([, name]) => `${name} => ${name} ${stagingVersion}`);
}

async function writeWrapper(wrapper: WrapperModule): Promise<void> {
  const block = (keyword: string, lines: string[]) =>
    lines.length === 0 ? '' : `${keyword} (\n${lines.map((l) => `\t${l}\n`).join('')})\n\n`;
  const goMod = [
    `module local/${path.basename(wrapper.dir)}-build\n\n`,
    `${wrapper.directives.join('\n')}\n\n`,
    block('require', wrapper.require),
    block('replace', wrapper.replace),
    block('tool', wrapper.tools),
  ].join('');
  await mkdir(wrapper.dir, { recursive: true });
  await writeFile(path.join(wrapper.dir, 'go.mod'), goMod);
  await runGo(`resolving ${path.basename(wrapper.dir)} dependencies`, ['mod', 'tidy'], wrapper.dir);
}

function kubeLdflags(info: ModuleInfo): string[] {
  const [major, minor] = info.version.slice(1).split('.');
  const values = {
    gitVersion: info.version,
    gitMajor: major,
    gitMinor: minor,
    gitCommit: info.commit ?? UNKNOWN_COMMIT,
    gitTreeState: 'clean',
    buildDate: info.time,
  };
  return KUBE_VERSION_PACKAGES.flatMap((pkg) =>
    Object.entries(values).map(([name, value]) => `-X ${pkg}.${name}=${value}`),
  );
}

async function buildBinary(dir: string, binDir: string, target: BuildTarget): Promise<void> {
  const ldflags = ['-s', '-w', ...target.ldflags].join(' ');
  const tags = target.tags ? ['-tags', target.tags] : [];
  const out = path.join(binDir, target.name);
  await runGo(
    `building ${target.name}`,
    ['build', '-trimpath', ...tags, '-ldflags', ldflags, '-o', out, target.pkg],
    dir,
  );
}

/** What each binary prints for its version, and the text that proves the pin and ldflags took. */
function versionChecks(versions: Versions): [BinaryName, string[], string][] {
  const kube = KUBE_BINARIES.filter((name) => name !== 'kubectl').map(
    (name): [BinaryName, string[], string] => [name, ['--version'], `Kubernetes ${versions.kubernetes}`],
  );
  return [
    ...kube,
    ['kubectl', ['version', '--client'], `Client Version: ${versions.kubernetes}`],
    ['etcd', ['--version'], `etcd Version: ${versions.etcd.slice(1)}`],
    ['etcdctl', ['version'], `etcdctl version: ${versions.etcd.slice(1)}`],
    ['coredns', ['-version'], `CoreDNS-${versions.coredns.slice(1)}`],
  ];
}

async function checkVersions(binDir: string, versions: Versions): Promise<void> {
  for (const [name, args, expected] of versionChecks(versions)) {
    const result = await $({ nothrow: true, quiet: true, ac: aborter })`${path.join(binDir, name)} ${args}`;
    if (!result.stdall.includes(expected)) {
      throw new StepError(`${name} ${args.join(' ')} does not report "${expected}"`, result.stdall);
    }
  }
}

/** Removes `.<key>.partial-<pid>` dirs left by builds that were killed without cleaning up. */
async function removeStalePartials(root: string): Promise<void> {
  for (const entry of await readdir(root)) {
    const pid = entry.match(/^\.\w+\.partial-(\d+)$/)?.[1];
    if (pid && !isAlive(Number(pid))) await rm(path.join(root, entry), { recursive: true, force: true });
  }
}

/** Where a build writes, and how its steps are shown and timed. */
interface BuildContext {
  workDir: string;
  binDir: string;
  status: Status;
  seconds: Record<string, number>;
}

async function timedStep(ctx: BuildContext, title: string, run: () => Promise<void>): Promise<void> {
  const startedAt = Date.now();
  await ctx.status.step(title, run);
  ctx.seconds[title] = Math.round((Date.now() - startedAt) / 1000);
}

async function buildKubernetes(ctx: BuildContext, kube: ModuleInfo, protobuf: string): Promise<void> {
  const dir = path.join(ctx.workDir, 'modules', 'kube');
  const replace = stagingReplaces(kube.goMod, kube.version);
  await timedStep(
    ctx,
    `Preparing Kubernetes module (${kube.version}, ${replace.length} staging modules)`,
    () =>
      writeWrapper({
        dir,
        directives: upstreamDirectives(kube.goMod),
        require: [`k8s.io/kubernetes ${kube.version}`, `google.golang.org/protobuf ${protobuf}`],
        replace,
        tools: KUBE_BINARIES.map((name) => `k8s.io/kubernetes/cmd/${name}`),
      }),
  );
  for (const name of KUBE_BINARIES) {
    await timedStep(ctx, `Building ${name} (${kube.version})`, () =>
      buildBinary(dir, ctx.binDir, {
        name,
        pkg: `k8s.io/kubernetes/cmd/${name}`,
        tags: KUBE_BUILD_TAGS,
        ldflags: kubeLdflags(kube),
      }),
    );
  }
}

async function buildEtcd(ctx: BuildContext, etcd: ModuleInfo): Promise<void> {
  const dir = path.join(ctx.workDir, 'modules', 'etcd');
  const packages = { etcd: 'go.etcd.io/etcd/server/v3', etcdctl: 'go.etcd.io/etcd/etcdctl/v3' } as const;
  await timedStep(ctx, `Preparing etcd module (${etcd.version})`, () =>
    writeWrapper({
      dir,
      directives: upstreamDirectives(etcd.goMod),
      require: Object.values(packages).map((mod) => `${mod} ${etcd.version}`),
      replace: [],
      tools: Object.values(packages),
    }),
  );
  const gitSha = `-X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd.commit ?? UNKNOWN_COMMIT}`;
  for (const [name, pkg] of Object.entries(packages) as [BinaryName, string][]) {
    await timedStep(ctx, `Building ${name} (${etcd.version})`, () =>
      buildBinary(dir, ctx.binDir, { name, pkg, ldflags: [gitSha] }),
    );
  }
}

async function buildCoreDNS(ctx: BuildContext, coredns: ModuleInfo): Promise<void> {
  const dir = path.join(ctx.workDir, 'modules', 'coredns');
  await timedStep(ctx, `Preparing CoreDNS module (${coredns.version})`, () =>
    writeWrapper({
      dir,
      directives: upstreamDirectives(coredns.goMod),
      require: [`github.com/coredns/coredns ${coredns.version}`],
      replace: [],
      tools: ['github.com/coredns/coredns'],
    }),
  );
  await timedStep(ctx, `Building coredns (${coredns.version})`, () =>
    buildBinary(dir, ctx.binDir, {
      name: 'coredns',
      pkg: 'github.com/coredns/coredns',
      ldflags: [`-X github.com/coredns/coredns/coremain.GitCommit=${coredns.commit ?? UNKNOWN_COMMIT}`],
    }),
  );
}

/** Builds everything in `.<key>.partial-<pid>`, then renames it to the key; never leaves it half done. */
async function build(cache: BinaryCache, versions: Versions, status: Status, toolchain: string) {
  const workDir = path.join(cache.root, `.${cache.key}.partial-${process.pid}`);
  const ctx: BuildContext = { workDir, binDir: path.join(workDir, 'bin'), status, seconds: {} };
  const removeWorkDir = () => rm(workDir, { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      aborter.abort();
      status.end(false);
      removeWorkDir().finally(() => {
        process.stderr.write(`✗ interrupted by ${signal}; the partial build was removed\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    });
  }
  try {
    await mkdir(ctx.binDir, { recursive: true });
    const [kube, , etcd, coredns] = await status.step('Resolving pins through the Go module proxy', () =>
      Promise.all([
        downloadModule(workDir, 'k8s.io/kubernetes', versions.kubernetes),
        downloadModule(workDir, 'google.golang.org/protobuf', versions.protobuf),
        downloadModule(workDir, 'go.etcd.io/etcd/server/v3', versions.etcd),
        downloadModule(workDir, 'github.com/coredns/coredns', versions.coredns),
      ]),
    );
    await buildKubernetes(ctx, kube, versions.protobuf);
    await buildEtcd(ctx, etcd);
    await buildCoreDNS(ctx, coredns);
    await status.step('Checking the versions the binaries report', () => checkVersions(ctx.binDir, versions));
    await status.step(`Saving build as ${cache.dir}`, async () => {
      const bytes: Record<string, number> = {};
      for (const name of ALL_BINARIES) bytes[name] = (await stat(path.join(ctx.binDir, name))).size;
      const marker = { key: cache.key, versions, go: toolchain, seconds: ctx.seconds, bytes };
      await writeFile(path.join(workDir, 'build.json'), `${JSON.stringify(marker, null, 2)}\n`);
      await rm(cache.dir, { recursive: true, force: true });
      await rename(workDir, cache.dir);
    });
  } finally {
    await removeWorkDir();
  }
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (config.help) {
    console.log(USAGE);
    return;
  }
  const status = new Status();
  const startedAt = Date.now();
  const versions = await readVersions();
  const cache = await binaryCache();
  if (existsSync(cache.marker)) {
    status.note(`Binaries for ${versions.kubernetes} are cached in ${cache.binDir}`);
    return;
  }
  const toolchain = await goVersion();
  status.note(`Building with ${toolchain} into ${cache.dir}`);
  await mkdir(cache.root, { recursive: true });
  await removeStalePartials(cache.root);
  await build(cache, versions, status, toolchain);
  status.note(`Binaries ready in ${cache.binDir} after ${formatDuration(Date.now() - startedAt)}`);
}

main().catch(fatal);
