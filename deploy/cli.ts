/**
 * Deploy and validate, on the embedded cluster or an existing one: `node --import tsx deploy/cli.ts <command>`.
 *   deploy           deploy the reference service (MODE, STRATEGY, CLUSTER), or your MANIFESTS (FAULT)
 *   validate         run the validator against the deployed service (PROFILE=<file>.json: yours)
 *   rainbow-cleanup  repair an interrupted rainbow rollout (idempotent)
 *   demo             bring up the embedded cluster and load the images (CLUSTER=embedded), deploy the
 *                    reference service, validate a live rolling update, print the verdict and the report
 */
import { clusterUp, loadImages } from '../cluster/cluster.ts';
import { runCommands } from '../tools/commands.ts';
import { Status } from '../tools/status.ts';
import { ConfigError } from '../validator/settings/parse.ts';
import { parseDeploySettings, parseManifestSettings } from './config.ts';
import { deploy } from './deploy.ts';
import { deployManifests } from './manifests.ts';
import { rainbowCleanup } from './rainbow-cleanup.ts';
import { validate, verdictLine } from './validate.ts';

runCommands(
  'deploy/cli.ts',
  {
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
  },
  (e) => e instanceof ConfigError,
);
