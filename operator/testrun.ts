/**
 * k8s/k6-operator/testrun.yaml for one run: the same TestRun with its RUN_ID (the runners' env and the
 * report-folder init container's) set to this run's id, so runs never share control keys in Redis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YAML } from 'zx';
import { repoRoot as repo } from '../tools/paths.ts';

const file = join(repo, 'k8s/k6-operator/testrun.yaml');

interface EnvVar {
  name: string;
  value?: string;
}

interface TestRunManifest {
  metadata: { name: string; namespace: string };
  spec: {
    parallelism: number;
    script: { configMap: { name: string; file: string } };
    runner: { env?: EnvVar[]; initContainers?: { env?: EnvVar[] }[] };
  };
}

export function readTestRun(): TestRunManifest {
  return YAML.parse(readFileSync(file, 'utf8')) as TestRunManifest;
}

/** The manifest as JSON (kubectl applies JSON too) with every RUN_ID set to `runId`. */
export function testRunFor(runId: string): string {
  const manifest = readTestRun();
  const envLists = [
    manifest.spec.runner.env,
    ...(manifest.spec.runner.initContainers ?? []).map((c) => c.env),
  ];
  let set = 0;
  for (const env of envLists) {
    for (const variable of env ?? []) {
      if (variable.name === 'RUN_ID') {
        variable.value = runId;
        set++;
      }
    }
  }
  if (set === 0) throw new Error(`${file}: no RUN_ID in the runner's env`);
  return JSON.stringify(manifest);
}

/**
 * What the script ConfigMap holds, as `--from-file=<key>=<path>` pairs: the bundle, run-end.cjs (the
 * audit and reports it requires in VU 0, validator/verdict/run-end-loader.ts) and their source maps. k6 loads
 * a map beside its script; without it k6 logs a warning whose text contains `error=`, and the operator's
 * initializer fails on any log line matching `level.*error`.
 */
export function scriptFiles(manifest: TestRunManifest): { key: string; path: string }[] {
  const bundle = manifest.spec.script.configMap.file;
  return [bundle, `${bundle}.map`, 'run-end.cjs', 'run-end.cjs.map'].map((key) => ({
    key,
    path: join(repo, 'dist', key),
  }));
}
