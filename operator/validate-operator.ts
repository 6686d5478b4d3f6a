/**
 * `make operator-validate`: zerodrop's main job as a distributed k6-operator TestRun against the reference
 * service `make deploy` left in namespace zerodrop. Steps (one ✓/✗ line each, every wait bounded):
 * build and load the runner and operator images, deploy the k6-operator (k8s/k6-operator), store
 * dist/zero-downtime.js in a ConfigMap, apply k8s/k6-operator/testrun.yaml with a fresh RUN_ID, wait for
 * the TestRun to finish, collect each runner's exit code and log. Then the verdict: each runner's k6 exit
 * code and what failed on its share, the whole run's rows (operator/combined-verdict.ts), and the
 * Deployment's revision, which must have moved by exactly ROLLOUTS: the rollout ran once, not per runner.
 *
 * Settings: CLUSTER (embedded, or existing: the images are built but loading them is up to you),
 * RUN_ID (default operator-<time>), OPERATOR_TIMEOUT (default 20m: how long the TestRun may take).
 * Exit code: 0 pass, 99 fail, a runner's k6 code when a runner could not judge (e.g. 108), 2 for a
 * setting, 1 when a step failed. Logs and the verdict go to reports/<RUN_ID>/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { importArchive } from '../cluster/images-load.ts';
import { nodeLayout } from '../cluster/node-layout.ts';
import { type ClusterAccess, clusterAccess } from '../deploy/access.ts';
import { parseDeploySettings } from '../deploy/config.ts';
import { diagnostics } from '../deploy/diagnostics.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { fatal, formatDuration, Status, StepError } from '../tools/status.ts';
import { newRunId } from '../validator/run/run-id.ts';
import { parseDuration } from '../validator/settings/duration.ts';
import { ConfigError } from '../validator/settings/parse.ts';
import { parseSummaryRows } from './combined-verdict.ts';
import { buildOperatorImages } from './images.ts';
import { operatorVerdict, type Runner } from './operator-verdict.ts';
import { readTestRun, scriptFiles, testRunFor } from './testrun.ts';

const OPERATOR_NAMESPACE = 'k6-operator-system';
const OPERATOR_DEPLOYMENT = 'k6-operator-controller-manager';
/** The reference service's Deployment, which the TestRun's rollout VU rolls. */
const TARGET_DEPLOYMENT = 'session-app';
const POLL_MS = 5_000;

async function main(): Promise<void> {
  try {
    process.exitCode = await operatorValidate();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`✗ ${error.message}`);
    process.exit(2);
  }
}

async function operatorValidate(): Promise<number> {
  const settings = parseDeploySettings(process.env);
  const timeoutText = process.env.OPERATOR_TIMEOUT || '20m';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === null)
    throw new ConfigError('OPERATOR_TIMEOUT', `must be a duration like 20m (got '${timeoutText}')`);
  const runId = process.env.RUN_ID || newRunId('operator');
  const testRun = readTestRun();
  const { name, namespace } = testRun.metadata;
  const rollouts = Number(testRun.spec.runner.env?.find((e) => e.name === 'ROLLOUTS')?.value ?? 1);
  const reportDir = join(process.env.REPORT_DIR || join(repo, 'reports'), runId);
  const status = new Status();
  const access = await clusterAccess(settings);
  const kubectl = (args: string[], what: string, input?: string) => run(access, args, what, input);

  const revisionBefore = await status.step(
    `Checking the cluster and the reference service (namespace ${namespace})`,
    async () => {
      await kubectl(['get', '--raw', '/readyz'], `reaching the cluster through ${access.kubeconfig}`);
      const account =
        await access.sh`${access.kubectl} get serviceaccount zerodrop-driver -n ${namespace}`.nothrow();
      if (/NotFound/.test(account.stderr)) {
        throw new StepError(`nothing is deployed in namespace ${namespace}: run make deploy`);
      }
      if (account.exitCode !== 0) throw new StepError('finding the driver account failed', account.stderr);
      return revision(access, namespace);
    },
  );
  await status.step('Building the k6 runner and k6-operator images', async () => {
    const dir = settings.cluster === 'embedded' ? nodeLayout().imagesDir : join(reportDir, 'images');
    mkdirSync(dir, { recursive: true });
    const archives = buildOperatorImages(dir);
    if (settings.cluster === 'embedded') {
      for (const archive of archives) await importArchive(nodeLayout(), archive);
    } else {
      status.note(
        `CLUSTER=existing: load ${archives.join(' and ')} into your nodes (e.g. kind load image-archive)`,
      );
    }
  });
  await status.step('Deploying the k6-operator (k8s/k6-operator)', async () => {
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '-k', join(repo, 'k8s/k6-operator')],
      'kubectl apply -k k8s/k6-operator',
    );
    // kubectl wait (and a jsonpath filter) fail at once while a new CRD has no conditions yet: poll them.
    await poll('the TestRun CRD was not established', 60_000, 1_000, async () => {
      const out = await kubectl(
        ['get', 'crd', 'testruns.k6.io', '-o', 'jsonpath={.status.conditions}'],
        'reading the TestRun CRD',
      );
      // Empty or `null` until the apiserver has set the first conditions.
      const conditions = (out.trim() ? (JSON.parse(out) ?? []) : []) as { type: string; status: string }[];
      const established = conditions.find((c) => c.type === 'Established')?.status ?? 'no condition yet';
      return established === 'True' ? { done: true } : { last: `Established: ${established}` };
    });
    await kubectl(
      ['rollout', 'restart', `deployment/${OPERATOR_DEPLOYMENT}`, '-n', OPERATOR_NAMESPACE],
      'restarting the manager on the loaded image',
    );
    await kubectl(
      ['rollout', 'status', `deployment/${OPERATOR_DEPLOYMENT}`, '-n', OPERATOR_NAMESPACE, '--timeout=120s'],
      'waiting for the k6-operator manager',
    );
  });
  await status.step(`Removing an earlier TestRun ${name}`, async () => {
    await kubectl(
      ['delete', 'testrun', name, '-n', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s'],
      'deleting the TestRun',
    );
    await kubectl(
      ['wait', '--for=delete', 'pod', '-l', `k6_cr=${name}`, '-n', namespace, '--timeout=120s'],
      'waiting for its pods to go',
    );
  });
  const { configMap } = testRun.spec.script;
  const files = scriptFiles(testRun);
  await status.step(
    `Storing ${files.map((f) => f.key).join(' and ')} in ConfigMap ${configMap.name}`,
    async () => {
      await kubectl(
        ['delete', 'configmap', configMap.name, '-n', namespace, '--ignore-not-found'],
        'deleting the ConfigMap',
      );
      const fromFiles = files.map((f) => `--from-file=${f.key}=${f.path}`);
      await kubectl(
        ['create', 'configmap', configMap.name, '-n', namespace, ...fromFiles],
        'kubectl create configmap',
      );
    },
  );
  await status.step(`Applying TestRun ${name}: ${testRun.spec.parallelism} runners, RUN_ID ${runId}`, () =>
    kubectl(['apply', '-f', '-'], 'kubectl apply the TestRun', testRunFor(runId)),
  );
  const took = await status
    .step(`Waiting ≤ ${timeoutText} for TestRun ${name} to finish`, () =>
      waitForFinish(access, name, namespace, timeoutMs),
    )
    .catch(async (error: unknown) => {
      process.stderr.write(await operatorDiagnostics(access, namespace));
      throw error;
    });
  status.note(`TestRun finished after ${formatDuration(took)}`);
  const runners = await status.step("Collecting the runners' exit codes and logs", () =>
    collectRunners(access, name, namespace),
  );
  const revisionAfter = await revision(access, namespace);

  mkdirSync(reportDir, { recursive: true });
  for (const [i, r] of runners.entries()) writeFileSync(join(reportDir, `runner-${i + 1}.log`), r.log);
  const { text, exitCode } = operatorVerdict(runId, runners, {
    deployment: TARGET_DEPLOYMENT,
    before: revisionBefore,
    after: revisionAfter,
    rollouts,
  });
  writeFileSync(join(reportDir, 'operator-verdict.txt'), text);
  console.log(`\n${text}Logs: ${relative(process.cwd(), reportDir)}/runner-*.log, operator-verdict.txt`);
  return exitCode;
}

async function run(access: ClusterAccess, args: string[], what: string, input?: string): Promise<string> {
  const out = await (input === undefined
    ? access.sh
    : access.sh({ input }))`${access.kubectl} ${args}`.nothrow();
  if (out.exitCode !== 0) throw new StepError(`${what} failed`, `${out.stdout}\n${out.stderr}`);
  return out.stdout;
}

async function revision(access: ClusterAccess, namespace: string): Promise<number> {
  const jsonpath = 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}';
  const out =
    await access.sh`${access.kubectl} get deployment ${TARGET_DEPLOYMENT} -n ${namespace} -o ${jsonpath}`.nothrow();
  if (/NotFound/.test(out.stderr)) {
    throw new StepError(
      `no Deployment ${TARGET_DEPLOYMENT} in namespace ${namespace}: the TestRun rolls the reference service's rolling layout (make deploy)`,
    );
  }
  if (out.exitCode !== 0) throw new StepError(`reading deployment ${TARGET_DEPLOYMENT} failed`, out.stderr);
  return Number(out.stdout.trim());
}

/** Polls the TestRun's stage until `finished`; fails at `error` or at the deadline. Returns the time taken. */
/**
 * Reads `probe` every `intervalMs` until it returns a value, for at most `timeoutMs`; the last reading is
 * named in the timeout error. Returns the value and the time it took.
 */
async function poll<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<{ done: T } | { last: string }>,
): Promise<{ value: T; tookMs: number }> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const reading = await probe();
    if ('done' in reading) return { value: reading.done, tookMs: Date.now() - started };
    last = reading.last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new StepError(`${what} within ${formatDuration(timeoutMs)} (last: ${last || 'nothing'})`);
}

/** Polls the TestRun's stage until `finished`; fails at `error` or at the deadline. Returns the time taken. */
async function waitForFinish(access: ClusterAccess, name: string, namespace: string, timeoutMs: number) {
  const { tookMs } = await poll(`TestRun ${name} did not finish`, timeoutMs, POLL_MS, async () => {
    const stage = (
      await run(
        access,
        ['get', 'testrun', name, '-n', namespace, '-o', 'jsonpath={.status.stage}'],
        'reading the TestRun',
      )
    ).trim();
    if (stage === 'error') throw new StepError(`TestRun ${name} reached stage error`);
    return stage === 'finished' ? { done: true } : { last: `stage '${stage}'` };
  });
  return tookMs;
}

interface PodList {
  items: {
    metadata: { name: string };
    spec: { containers: { name: string; command?: string[] }[] };
    status: { containerStatuses?: { name: string; state: { terminated?: { exitCode: number } } }[] };
  }[];
}

async function collectRunners(access: ClusterAccess, name: string, namespace: string): Promise<Runner[]> {
  const pods = JSON.parse(
    await run(
      access,
      ['get', 'pods', '-n', namespace, '-l', `k6_cr=${name},runner=true`, '-o', 'json'],
      'listing the runner pods',
    ),
  ) as PodList;
  const runners: Runner[] = [];
  for (const pod of pods.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const command = pod.spec.containers.find((c) => c.name === 'k6')?.command ?? [];
    const segment = command.find((a) => a.startsWith('--execution-segment='))?.split('=')[1] ?? 'whole test';
    const exitCode =
      pod.status.containerStatuses?.find((c) => c.name === 'k6')?.state.terminated?.exitCode ?? null;
    const log = await run(
      access,
      ['logs', pod.metadata.name, '-n', namespace, '-c', 'k6'],
      `reading the log of ${pod.metadata.name}`,
    );
    runners.push({ pod: pod.metadata.name, segment, exitCode, log, rows: parseSummaryRows(log) });
  }
  if (runners.length === 0) throw new StepError(`no runner pods of TestRun ${name} found`);
  return runners;
}

async function operatorDiagnostics(access: ClusterAccess, namespace: string): Promise<string> {
  const manager =
    await access.sh`${access.kubectl} logs deployment/${OPERATOR_DEPLOYMENT} -n ${OPERATOR_NAMESPACE} --tail=30`.nothrow();
  return `${await diagnostics(access, namespace)}--- k6-operator manager (last 30 lines)\n${manager.stdout}${manager.stderr}\n`;
}

main().catch(fatal);
