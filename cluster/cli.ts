/**
 * The cluster-side Make targets in one entry: `node --import tsx cluster/cli.ts <command>`.
 *   cluster-up       bring up the embedded single-node cluster (idempotent)
 *   cluster-down     tear it down (rm -f semantics)
 *   images           build and load the images (IMAGE=app.tar also loads a user's image archive)
 *   image            build an image of your app (APP, RUNTIME, TAG, ENTRY) and load it into the node
 *   deploy           deploy the reference service (MODE, STRATEGY, CLUSTER), or your MANIFESTS (FAULT)
 *   validate         run the validator against the deployed service (PROFILE=<file>.json: yours)
 *   rainbow-cleanup  repair an interrupted rainbow rollout (idempotent)
 *   demo             all of the above in order, then the verdict and the report path
 * Settings errors print one line naming the setting and exit 2; step failures exit 1; validate and demo
 * exit with k6's code (0 pass, 99 threshold failure).
 */
import { ConfigError } from '../scripts/lib/config.ts';
import { parseAppImageSettings } from './app-image.ts';
import { clusterDown, clusterUp, imageApp, loadImages } from './cluster.ts';
import { deploy } from './deploy.ts';
import { parseDeploySettings, parseManifestSettings } from './deploy-config.ts';
import { deployManifests } from './deploy-manifests.ts';
import { rainbowCleanup } from './rainbow-cleanup.ts';
import { fatal, Status } from './status.ts';
import { validate, verdictLine } from './validate.ts';

const commands: Record<string, () => Promise<number>> = {
  'cluster-up': async () => {
    await clusterUp(new Status());
    return 0;
  },
  'cluster-down': async () => {
    await clusterDown(new Status());
    return 0;
  },
  images: async () => {
    await loadImages(new Status(), process.env.IMAGE || undefined);
    return 0;
  },
  image: async () => {
    await imageApp(new Status(), parseAppImageSettings(process.env, process.cwd()));
    return 0;
  },
  deploy: async () => {
    const manifests = parseManifestSettings(process.env);
    if (manifests) await deployManifests(manifests);
    else await deploy(parseDeploySettings(process.env));
    return 0;
  },
  validate: async () => {
    const result = await validate();
    console.log(verdictLine(result));
    return result.exitCode;
  },
  'rainbow-cleanup': async () => {
    await rainbowCleanup(parseDeploySettings(process.env), new Status());
    return 0;
  },
  demo: async () => {
    const settings = parseDeploySettings(process.env);
    const status = new Status();
    status.note(
      'zerodrop demo: embedded cluster → images → deploy the reference service → validate a live rolling update',
    );
    if (settings.cluster === 'embedded') {
      await clusterUp(status);
      await loadImages(status);
    }
    await deploy(settings, status);
    const result = await validate();
    console.log(verdictLine(result));
    return result.exitCode;
  },
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    console.error(`usage: cluster/cli.ts <${Object.keys(commands).join('|')}>`);
    process.exit(2);
  }
  try {
    process.exitCode = await command();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`✗ ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

main().catch(fatal);
