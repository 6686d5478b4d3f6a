/**
 * `make image APP=<folder or binary> [RUNTIME=node|static|java] [TAG=localhost/<name>:dev] [ENTRY=…]`:
 * an image of your own service built from local files, without Docker, the way the reference image is
 * built (cluster/images.ts: one layer, a docker-archive tarball), written to .zerodrop/images/ and
 * imported into the embedded node's containerd when it runs.
 *   node    the host's node binary + its shared libraries + the app folder (node_modules included) in
 *           /app; entrypoint `node /app/<ENTRY>`, ENTRY defaulting to package.json's "main" or the file
 *           its "start" script runs
 *   static  one statically linked program in /app (APP is the binary, or a Go module folder built here
 *           with CGO_ENABLED=0; ENTRY is then the package to build, default `.`) + the CA certificates
 *   java    the host's JRE (the java binary's folder tree) + APP, a runnable jar; `java -jar /app/<jar>`
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot as repo } from '../tools/paths.ts';
import { ConfigError, oneOf } from '../validator/settings/parse.ts';
import { buildImage, type ImageSpec, sharedLibraries } from './images.ts';

export const runtimes = ['node', 'static', 'java'] as const;
export type Runtime = (typeof runtimes)[number];

export interface AppImageSettings {
  /** Absolute path of the app folder (node), the binary or Go module folder (static), the jar (java). */
  app: string;
  runtime: Runtime;
  tag: string;
  entry: string | undefined;
}

/** Where `make image` writes its archives: `${ZERODROP_STATE:-<repo>/.zerodrop}/images/`. */
export const appImagesDir = () =>
  path.join(process.env.ZERODROP_STATE || path.join(repo, '.zerodrop'), 'images');

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** A fully qualified image reference: a registry host (localhost or with a dot or port), a path, a tag. */
const qualified =
  /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+|[a-z0-9.-]+:\d+)(\/[a-z0-9]+([._-][a-z0-9]+)*)+:[\w][\w.-]{0,127}$/;

function guessRuntime(app: string): Runtime {
  if (statSync(app).isDirectory()) return existsSync(path.join(app, 'go.mod')) ? 'static' : 'node';
  return app.endsWith('.jar') ? 'java' : 'static';
}

export function parseAppImageSettings(env: Record<string, string | undefined>, cwd = repo): AppImageSettings {
  if (!env.APP) throw new ConfigError('APP', 'is required: the app folder, binary or jar to pack');
  const app = path.resolve(cwd, env.APP);
  if (!existsSync(app)) throw new ConfigError('APP', `${app} does not exist`);
  const runtime = oneOf(env, 'RUNTIME', runtimes, guessRuntime(app));
  // A build's jar (…/<project>/target/x.jar, …/<project>/build/libs/x.jar) is named after its project.
  const parts = app.split(path.sep);
  const named =
    app.endsWith('.jar') && parts.at(-2) === 'target'
      ? (parts.at(-3) ?? app)
      : app.endsWith('.jar') && parts.at(-2) === 'libs' && parts.at(-3) === 'build'
        ? (parts.at(-4) ?? app)
        : app;
  const base = path
    .basename(named)
    .replace(/\.jar$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const tag = env.TAG || `localhost/${base || 'app'}:dev`;
  if (!qualified.test(tag))
    throw new ConfigError(
      'TAG',
      `expected a fully qualified lower-case name with a tag, like localhost/${base || 'app'}:dev (got '${tag}')`,
    );
  return { app, runtime, tag, entry: env.ENTRY || undefined };
}

/** The file `node` runs: ENTRY, else package.json's "main", else the file of `"start": "node <file>"`. */
export function nodeEntry(appDir: string, entry: string | undefined): string {
  const pkgFile = path.join(appDir, 'package.json');
  const pkg = existsSync(pkgFile)
    ? (JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: string; scripts?: Record<string, string> })
    : {};
  const start = /^node\s+(?:--?\S+\s+)*([^\s-]\S*)/.exec(pkg.scripts?.start ?? '')?.[1];
  const chosen = entry ?? pkg.main ?? start;
  if (!chosen)
    throw new ConfigError(
      'ENTRY',
      `is not set and ${pkgFile} has no "main" nor a "start": "node <file>" script`,
    );
  const normalized = path.posix.normalize(chosen.replace(/^\.\//, ''));
  if (normalized.startsWith('..') || path.isAbsolute(normalized))
    throw new ConfigError('ENTRY', `must be a file inside the app folder (got '${chosen}')`);
  if (!existsSync(path.join(appDir, normalized)))
    throw new ConfigError('ENTRY', `${path.join(appDir, normalized)} does not exist`);
  return normalized;
}

function nodeSpec(settings: AppImageSettings): ImageSpec {
  const { app } = settings;
  if (!statSync(app).isDirectory())
    throw new ConfigError('APP', `RUNTIME=node packs a folder; ${app} is a file`);
  const pkgFile = path.join(app, 'package.json');
  const pkg = existsSync(pkgFile)
    ? (JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string> })
    : {};
  if (Object.keys(pkg.dependencies ?? {}).length > 0 && !existsSync(path.join(app, 'node_modules')))
    throw new ConfigError(
      'APP',
      `${app}/node_modules is missing: install the dependencies first (npm ci; make examples for the examples)`,
    );
  const entry = nodeEntry(app, settings.entry);
  return {
    tags: [settings.tag],
    programs: [{ source: process.execPath, target: '/usr/bin/node' }],
    files: existsSync(CA_BUNDLE) ? [{ source: CA_BUNDLE, target: CA_BUNDLE }] : [],
    trees: [{ source: app, target: '/app', exclude: ['.git'] }],
    entrypoint: ['/usr/bin/node', `/app/${entry}`],
    workingDir: '/app',
  };
}

/** A static binary: APP itself, or built from the Go module folder APP with CGO_ENABLED=0 into `work`. */
function staticBinary(settings: AppImageSettings, work: string): string {
  const { app } = settings;
  if (statSync(app).isDirectory()) {
    if (!existsSync(path.join(app, 'go.mod')))
      throw new ConfigError(
        'APP',
        `RUNTIME=static takes a binary or a Go module folder; ${app} has no go.mod`,
      );
    const name = path.basename(app);
    const output = path.join(work, name);
    try {
      execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', output, settings.entry ?? '.'], {
        cwd: app,
        env: { ...process.env, CGO_ENABLED: '0', GOWORK: 'off', GOTOOLCHAIN: 'local' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(`go build in ${app} failed${stderr ? `:\n${stderr}` : ''}`);
    }
    return output;
  }
  if (sharedLibraries(app).length > 0)
    throw new ConfigError(
      'APP',
      `${app} is dynamically linked: RUNTIME=static needs a static binary (Go: CGO_ENABLED=0 go build), or use RUNTIME=node|java`,
    );
  return app;
}

function staticSpec(settings: AppImageSettings, work: string): ImageSpec {
  const binary = staticBinary(settings, work);
  const target = `/app/${path.basename(binary)}`;
  return {
    tags: [settings.tag],
    programs: [],
    files: [
      { source: binary, target },
      ...(existsSync(CA_BUNDLE) ? [{ source: CA_BUNDLE, target: CA_BUNDLE }] : []),
    ],
    entrypoint: [target],
    workingDir: '/app',
    env: [`SSL_CERT_FILE=${CA_BUNDLE}`],
  };
}

/** The host's JRE home: JAVA_HOME, else the folder of the java on PATH, resolved through its links. */
function javaHome(): string {
  if (process.env.JAVA_HOME && existsSync(path.join(process.env.JAVA_HOME, 'bin/java')))
    return realpathSync(process.env.JAVA_HOME);
  let java: string;
  try {
    java = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
  } catch {
    throw new ConfigError('RUNTIME', 'java needs a JRE on this machine (Debian: default-jre-headless)');
  }
  return path.dirname(path.dirname(realpathSync(java)));
}

function javaSpec(settings: AppImageSettings): ImageSpec {
  const { app } = settings;
  if (!statSync(app).isFile() || !app.endsWith('.jar'))
    throw new ConfigError('APP', `RUNTIME=java packs a runnable jar; ${app} is not a .jar file`);
  const home = javaHome();
  // The JRE's own libraries find each other through RPATH $ORIGIN; ldd of each brings the system ones.
  const libs = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() && entry.name.endsWith('.so'))
        for (const lib of sharedLibraries(file)) if (!lib.startsWith(home)) libs.add(lib);
    }
  };
  walk(home);
  const java = path.join(home, 'bin/java');
  return {
    tags: [settings.tag],
    programs: [{ source: java, target: java }],
    files: [
      ...[...libs].map((lib) => ({ source: lib, target: lib })),
      { source: app, target: `/app/${path.basename(app)}` },
      ...(existsSync(CA_BUNDLE) ? [{ source: CA_BUNDLE, target: CA_BUNDLE }] : []),
    ],
    trees: [
      // The runtime only: no development files (jmods, headers, sources, manual pages).
      {
        source: home,
        target: home,
        dereference: true,
        exclude: ['jmods', 'include', 'src.zip', 'man', 'demo'],
      },
    ],
    entrypoint: [java, '-jar', `/app/${path.basename(app)}`],
    workingDir: '/app',
    env: [`JAVA_HOME=${home}`],
  };
}

/** The archive a tag is written to: `.zerodrop/images/<name>-<tag>.tar`. */
export function archiveFor(tag: string): string {
  const file = tag.replace(/^localhost\//, '').replace(/[/:]+/g, '-');
  return path.join(appImagesDir(), `${file}.tar`);
}

export interface BuiltAppImage {
  archive: string;
  imageId: string;
  entrypoint: string[];
  bytes: number;
}

/** Builds the image's docker-archive; nothing is imported here (cluster.ts `loadImages` does). */
export function buildAppImage(settings: AppImageSettings): BuiltAppImage {
  const work = mkdtempSync(path.join(tmpdir(), 'zerodrop-app-image-'));
  try {
    const spec =
      settings.runtime === 'node'
        ? nodeSpec(settings)
        : settings.runtime === 'static'
          ? staticSpec(settings, work)
          : javaSpec(settings);
    const archive = archiveFor(settings.tag);
    const imageId = buildImage(spec, archive);
    return { archive, imageId, entrypoint: spec.entrypoint, bytes: statSync(archive).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
