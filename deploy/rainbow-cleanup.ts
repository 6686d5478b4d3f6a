/**
 * `make rainbow-cleanup`: after an interrupted or crashed rainbow rollout, leaves exactly one healthy
 * color selected by the main Service and at most MAX_COLORS colors alive (the plan is the driver's own,
 * validator/rollout/strategies/rainbow-plan.ts). Idempotent: a consistent cluster is left as it is.
 */

import { type Status, StepError } from '../tools/status.ts';
import { referenceKubernetes } from '../validator/profile/builtin/reference.ts';
import {
  type ColorState,
  colorName,
  colorState,
  planRepair,
  rainbowOfLabel,
} from '../validator/rollout/strategies/rainbow-plan.ts';
import { clusterAccess } from './access.ts';
import type { DeploySettings } from './config.ts';

export async function rainbowCleanup(settings: DeploySettings, status: Status): Promise<string[]> {
  const access = await clusterAccess(settings);
  const { namespace, deployment: base, service, colorLabel } = referenceKubernetes;
  const maxColors = Number(process.env.MAX_COLORS || 2);
  const kubectl = async (args: string[]) => {
    const out = await access.sh`${access.kubectl} ${args}`.nothrow();
    if (out.exitCode !== 0) throw new StepError(`kubectl ${args.slice(0, 3).join(' ')} failed`, out.stderr);
    return out.stdout;
  };
  return status.step(`Repairing rainbow colors of ${namespace}/${base} (at most ${maxColors})`, async () => {
    const main = JSON.parse(await kubectl(['get', 'service', service, '-n', namespace, '-o', 'json']));
    const deployments = JSON.parse(
      await kubectl(['get', 'deployments', '-n', namespace, '-l', `${rainbowOfLabel}=${base}`, '-o', 'json']),
    );
    const services = JSON.parse(
      await kubectl(['get', 'services', '-n', namespace, '-l', `${rainbowOfLabel}=${base}`, '-o', 'json']),
    );
    const colors: ColorState[] = deployments.items.map((d: object) => colorState(d as never, colorLabel));
    const actions = planRepair(
      {
        base,
        selected: main.spec?.selector?.[colorLabel] ?? null,
        colors,
        colorServices: services.items.map((s: { metadata: { name: string } }) => s.metadata.name),
      },
      maxColors,
    );
    const done: string[] = [];
    for (const action of actions) {
      if (action.kind === 'select') {
        await kubectl([
          'patch',
          'service',
          service,
          '-n',
          namespace,
          '--type=merge',
          '-p',
          JSON.stringify({ spec: { selector: { [colorLabel]: action.color } } }),
        ]);
        done.push(`selected ${action.color}`);
      } else if (action.kind === 'delete-color') {
        const name = colorName(base, action.color);
        await kubectl(['delete', 'deployment,service', name, '-n', namespace, '--ignore-not-found']);
        done.push(`deleted ${action.color}`);
      } else {
        await kubectl(['delete', 'service', action.name, '-n', namespace, '--ignore-not-found']);
        done.push(`deleted service ${action.name}`);
      }
    }
    status.note(done.length === 0 ? 'nothing to repair' : done.join(', '));
    return done;
  });
}
