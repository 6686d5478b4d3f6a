/** The deployed target as `make deploy` leaves it for `make validate`: `.zerodrop/deploy/target.json`. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot as repo } from '../tools/paths.ts';
import type { DeployMode, DeploySettings } from './config.ts';

export interface DeployedTarget {
  /** The reference service's deploy mode (MODE). */
  mode: DeployMode;
  layout: DeploySettings['layout'];
  cluster: DeploySettings['cluster'];
  namespace: string;
  baseUrl: string;
  redisUrl: string;
  /** Kubeconfig of the rollout driver's ServiceAccount (its RBAC, not admin). */
  driverKubeconfig: string;
  deployedAt: string;
}

export const deployDir = path.join(process.env.ZERODROP_STATE || path.join(repo, '.zerodrop'), 'deploy');
const targetFile = path.join(deployDir, 'target.json');

export async function writeTarget(target: DeployedTarget): Promise<void> {
  await mkdir(deployDir, { recursive: true });
  await writeFile(targetFile, `${JSON.stringify(target, null, 2)}\n`);
}

export function readTarget(): DeployedTarget {
  if (!existsSync(targetFile))
    throw new Error(
      `PROFILE: the reference service is not deployed (no ${targetFile}): run make deploy, or give PROFILE=<your profile>.json for a service you deployed`,
    );
  return JSON.parse(readFileSync(targetFile, 'utf8')) as DeployedTarget;
}
