/**
 * The two images the k6-operator needs, built from local files with cluster/images.ts (no registry, no
 * base image) and tagged with the pinned versions:
 *   - localhost/zerodrop/k6:<k6>              bin/k6 as /usr/bin/k6, plus a shell: the initializer runs
 *                                             `sh -c "k6 archive … && k6 inspect --execution-requirements …"`,
 *                                             so Debian's static busybox with its applet links (sh, ls, cat,
 *                                             mkdir, grep…), and curl: the starter runs `sh -c "curl -X PATCH
 *                                             …/v1/status"` against every runner. One image for the
 *                                             initializer, the runners and the starter.
 *   - localhost/zerodrop/k6-operator:<ver>    the manager built by `make tools` (static) as /manager.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPins } from '../build/pins.ts';
import { requireTool, toolPins } from '../build/tool-paths.ts';
import { buildImage } from '../cluster/images.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { StepError } from '../tools/status.ts';

const BUSYBOX = '/bin/busybox';
const CURL = '/usr/bin/curl';

export const runnerImage = `localhost/zerodrop/k6:${readPins(join(repo, 'build/versions.json')).k6}`;
export const managerImage = `localhost/zerodrop/k6-operator:${toolPins()['k6-operator']?.version}`;

/** busybox's applets as links to it, at the paths busybox itself lists (bin/sh, usr/bin/wget, …). */
function busyboxApplets(): { path: string; target: string }[] {
  return execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((applet) => applet !== '' && applet !== 'bin/busybox')
    .map((applet) => ({ path: `/${applet}`, target: BUSYBOX }));
}

/** Writes `<dir>/k6-runner.tar` and `<dir>/k6-operator.tar`; returns their paths. */
export function buildOperatorImages(dir: string): string[] {
  const k6 = join(repo, 'bin/k6');
  if (!existsSync(k6)) throw new StepError('bin/k6 is missing: run make k6');
  for (const [file, pkg] of [
    [BUSYBOX, 'busybox-static'],
    [CURL, 'curl'],
  ]) {
    if (!existsSync(file as string))
      throw new StepError(`${file} is missing: run make setup (Debian package ${pkg})`);
  }
  const runner = join(dir, 'k6-runner.tar');
  buildImage(
    {
      tags: [runnerImage],
      programs: [
        { source: k6, target: '/usr/bin/k6' },
        { source: BUSYBOX, target: BUSYBOX },
        { source: CURL, target: CURL },
      ],
      files: [],
      symlinks: busyboxApplets(),
      entrypoint: ['/usr/bin/k6'],
    },
    runner,
  );
  const manager = join(dir, 'k6-operator.tar');
  buildImage(
    {
      tags: [managerImage],
      programs: [{ source: requireTool('k6-operator'), target: '/manager' }],
      files: [],
      entrypoint: ['/manager'],
    },
    manager,
  );
  return [runner, manager];
}
