/**
 * Builds the pinned developer tools of build/versions.json "tools" (actionlint, the k6-operator manager)
 * from the Go module proxy into the user's cache, `zerodrop/tools/<name>-<version>/<name>`. Each tool is
 * built in a throwaway wrapper module (`go get <package>@<version> && go build`): `go install …@version`
 * asks the proxy's @v/list, which it refuses. A built tool is kept; only missing ones are built.
 *
 * Usage: tsx build/build-tools.ts [name…] [--force]
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { $ } from 'zx';
import { fatal, Status, StepError } from '../tools/status.ts';
import type { ToolPin } from './pins.ts';
import { toolPath, toolPins } from './tool-paths.ts';

const status = new Status(process.stdout);
const goEnv = { ...process.env, CGO_ENABLED: '0', GOWORK: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(
      'usage: tsx build/build-tools.ts [name…] [--force]   (names from build/versions.json "tools")',
    );
    return;
  }
  const force = args.includes('--force');
  const pins = toolPins();
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (!pins[name])
      throw new StepError(`unknown tool '${name}': build/versions.json has ${Object.keys(pins).join(', ')}`);
  }
  for (const name of names.length > 0 ? names : Object.keys(pins)) {
    const pin = pins[name] as ToolPin;
    const binary = toolPath(name, pin);
    if (!force && existsSync(binary)) {
      status.note(`${name} ${pin.version} cached (${binary})`);
      continue;
    }
    await status.step(`Building ${name} ${pin.version} from ${pin.package}`, () =>
      buildTool(name, pin, binary),
    );
  }
}

/** Builds in a temp wrapper module and renames into the cache, so an interrupted build leaves no half entry. */
async function buildTool(name: string, pin: ToolPin, binary: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), `zerodrop-${name}-`));
  const go = $({ cwd: work, env: goEnv, quiet: true, nothrow: true });
  try {
    await run(go`go mod init zerodrop.local/${name}-tool`, 'go mod init');
    await run(go`go get ${`${pin.package}@${pin.version}`}`, `go get ${pin.package}@${pin.version}`);
    await run(
      go`go build -trimpath -ldflags=${'-s -w'} -o ${join(work, name)} ${pin.package}`,
      `go build ${pin.package}`,
    );
    await verifyBuildInfo(join(work, name), pin);
    mkdirSync(dirname(binary), { recursive: true });
    renameSync(join(work, name), binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `go version -m` must name the pinned module at the pinned version: the proxy served what was asked for. */
async function verifyBuildInfo(binary: string, pin: ToolPin): Promise<void> {
  const info = await run($({ quiet: true, nothrow: true })`go version -m ${binary}`, 'go version -m');
  const line = new RegExp(`^\\s*(mod|dep)\\s+${pin.module.replaceAll('.', '\\.')}\\s+${pin.version}\\s`, 'm');
  if (!line.test(info)) throw new StepError(`${binary} does not embed ${pin.module} ${pin.version}`, info);
}

async function run(
  pending: Promise<{ exitCode: number | null; stdout: string; stderr: string }>,
  what: string,
): Promise<string> {
  const out = await pending;
  if (out.exitCode !== 0) {
    throw new StepError(`${what} failed (exit ${out.exitCode})`, `${out.stdout}\n${out.stderr}`);
  }
  return out.stdout;
}

main().catch(fatal);
