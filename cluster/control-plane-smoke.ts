/**
 * Proves the built control plane works: starts etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler as host processes, creates a Deployment and waits until the controller-manager
 * has made its ReplicaSet and pods and the scheduler has marked them unschedulable (there is no
 * kubelet yet, so Pending is the expected end state). Then tears everything down.
 *
 *   npx tsx cluster/control-plane-smoke.ts [--retain] [--help]
 *
 * State lives in ${ZERODROP_STATE:-<repo>/.zerodrop}/cluster/smoke and is deleted at the end;
 * logs stay in ${ZERODROP_STATE:-<repo>/.zerodrop}/cluster/logs/smoke-*.log.
 */
import path from 'node:path';
import { expBackoff, retry } from 'zx';
import { fatal, formatDuration, runSteps, Status, type Step } from '../tools/status.ts';
import {
  type ControlPlane,
  clusterStateRoot,
  controlPlaneSteps,
  createControlPlane,
  deleteControlPlane,
  kubeconfigPath,
  kubectlShell,
} from './control-plane.ts';

const USAGE = `Usage: npx tsx cluster/control-plane-smoke.ts [--retain] [--help]

  --retain   keep the processes and state after the run (also ZERODROP_RETAIN=1);
             a later run deletes them before starting`;

const DEPLOYMENT = 'zerodrop-smoke';
const REPLICAS = 2;
const APPLY_ATTEMPTS = 8;
const ROLLOUT_TIMEOUT_MS = 90_000;

interface Config {
  help: boolean;
  retain: boolean;
}

function parseConfig(argv: string[]): Config {
  const unknown = argv.find((arg) => !['--help', '-h', '--retain'].includes(arg));
  if (unknown) throw new Error(`unknown argument ${unknown}\n${USAGE}`);
  return {
    help: argv.includes('--help') || argv.includes('-h'),
    retain: argv.includes('--retain') || process.env.ZERODROP_RETAIN === '1',
  };
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: DEPLOYMENT,
    namespace: 'default',
    labels: { 'app.kubernetes.io/name': DEPLOYMENT, 'app.kubernetes.io/part-of': 'zerodrop' },
  },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { 'app.kubernetes.io/name': DEPLOYMENT } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': DEPLOYMENT, 'app.kubernetes.io/part-of': 'zerodrop' } },
      spec: { containers: [{ name: 'pause', image: 'localhost/pause:local', imagePullPolicy: 'Never' }] },
    },
  },
};

interface KubeObject {
  metadata: { name: string; uid: string; ownerReferences?: { kind: string; uid: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

/** Applies the Deployment; retried because the `default` namespace appears just after /readyz. */
async function createDeployment(cp: ControlPlane): Promise<void> {
  const kubectl = kubectlShell(cp);
  await retry(
    APPLY_ATTEMPTS,
    expBackoff('4s', '250ms'),
    () => kubectl({ input: JSON.stringify(deployment) })`kubectl apply -f -`,
  );
}

/**
 * Waits until Deployment → ReplicaSet → pods exist and the scheduler has judged every pod;
 * returns what it saw.
 */
async function waitForPendingPods(cp: ControlPlane): Promise<string> {
  const kubectl = kubectlShell(cp);
  const selector = `app.kubernetes.io/name=${DEPLOYMENT}`;
  const list = async (kind: string) =>
    (await kubectl`kubectl get ${kind} -n default -l ${selector} -o json`).json<{ items: KubeObject[] }>()
      .items;
  const startedAt = Date.now();
  const attempts = Math.ceil(ROLLOUT_TIMEOUT_MS / 2000) + 5;
  return retry(attempts, expBackoff('2s', '250ms'), async () => {
    if (Date.now() - startedAt > ROLLOUT_TIMEOUT_MS) {
      throw new Error(`no ${REPLICAS} unschedulable pods after ${formatDuration(ROLLOUT_TIMEOUT_MS)}`);
    }
    const [owner] = await list('deployment');
    const replicaSet = (await list('replicaset')).find((rs) =>
      rs.metadata.ownerReferences?.some(
        (ref) => ref.kind === 'Deployment' && ref.uid === owner?.metadata.uid,
      ),
    );
    if (!replicaSet) throw new Error('the controller-manager has not created a ReplicaSet');
    const pods = (await list('pod')).filter((pod) =>
      pod.metadata.ownerReferences?.some((ref) => ref.uid === replicaSet.metadata.uid),
    );
    const judged = pods.filter((pod) =>
      pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
    );
    if (judged.length < REPLICAS) {
      throw new Error(`${pods.length}/${REPLICAS} pods created, ${judged.length} marked Unschedulable`);
    }
    return `ReplicaSet ${replicaSet.metadata.name} created ${pods.length} pods, all Pending (no node yet)`;
  });
}

async function printDiagnostics(cp: ControlPlane): Promise<void> {
  const kubectl = kubectlShell(cp);
  const report = await kubectl({ nothrow: true, timeout: '15s' })`kubectl get all,events -n default -o wide`;
  process.stderr.write(`${report.stdall.trim() || 'apiserver not answering'}\n`);
  process.stderr.write(`component logs: ${path.join(cp.logDir, `${cp.name}-*.log`)}\n`);
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (config.help) {
    console.log(USAGE);
    return;
  }
  const status = new Status();
  const root = clusterStateRoot();
  const cp = await createControlPlane({
    name: 'smoke',
    stateDir: path.join(root, 'smoke'),
    logDir: path.join(root, 'logs'),
  });
  let seen = '';
  const proof: Step<ControlPlane>[] = [
    { title: `Creating Deployment ${DEPLOYMENT} (${REPLICAS} replicas)`, run: createDeployment },
    {
      title: `Waiting ≤ ${formatDuration(ROLLOUT_TIMEOUT_MS)} for its ReplicaSet and Pending pods`,
      run: async (ctx) => {
        seen = await waitForPendingPods(ctx);
      },
    },
  ];
  const startedAt = Date.now();
  await status.step('Deleting leftovers of an earlier smoke run', () => deleteControlPlane(cp));
  try {
    await runSteps(status, [...controlPlaneSteps, ...proof], cp);
    status.note(seen);
    status.note(`Control plane proven in ${formatDuration(Date.now() - startedAt)}`);
  } catch (error) {
    await printDiagnostics(cp);
    throw error;
  } finally {
    if (config.retain) status.note(`Retained: KUBECONFIG=${kubeconfigPath(cp, 'admin')}`);
    else await status.step('Deleting the smoke control plane', () => deleteControlPlane(cp));
  }
}

main().catch(fatal);
