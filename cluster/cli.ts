/**
 * The embedded cluster's Make targets: `node --import tsx cluster/cli.ts <command>`.
 *   cluster-up    bring up the embedded single-node cluster (idempotent)
 *   cluster-down  tear it down (rm -f semantics)
 *   images        build and load the images (IMAGE=app.tar also loads a user's image archive)
 *   image         build an image of your app (APP, RUNTIME, TAG, ENTRY) and load it into the node
 * Deploying and validating, on this cluster or any other, is deploy/cli.ts.
 */
import { runCommands } from '../tools/commands.ts';
import { Status } from '../tools/status.ts';
import { ConfigError } from '../validator/settings/parse.ts';
import { parseAppImageSettings } from './app-image.ts';
import { clusterDown, clusterUp, imageApp, loadImages } from './cluster.ts';

runCommands(
  'cluster/cli.ts',
  {
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
  },
  (e) => e instanceof ConfigError,
);
