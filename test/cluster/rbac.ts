/**
 * The rollout driver's rights, asked of the API server as the driver: one SelfSubjectAccessReview per
 * question (what `kubectl auth can-i` and the extension's `can` send), all in one `kubectl create`. A
 * strategy's rights are checked as a whole: over a grid of verbs × resources in the driver's namespace,
 * in two other namespaces and cluster-wide, exactly the strategy's own rights are allowed and every
 * other verb is denied.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { $ } from 'zx';
import { builtBinDir } from '../../cluster/binary-cache.ts';

export interface Ask {
  namespace?: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** Namespaced resources whose rights matter: workloads, what they mount or run as, the driver's own RBAC. */
const namespaced: [group: string, resource: string, subresource?: string][] = [
  ['apps', 'deployments'],
  ['apps', 'deployments', 'scale'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['', 'pods'],
  ['', 'pods', 'exec'],
  ['', 'pods', 'attach'],
  ['', 'pods', 'portforward'],
  ['', 'pods', 'ephemeralcontainers'],
  ['', 'pods', 'eviction'],
  ['', 'services'],
  ['', 'endpoints'],
  ['discovery.k8s.io', 'endpointslices'],
  ['', 'secrets'],
  ['', 'configmaps'],
  ['', 'serviceaccounts'],
  ['', 'serviceaccounts', 'token'],
  ['', 'persistentvolumeclaims'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['policy', 'poddisruptionbudgets'],
  ['rbac.authorization.k8s.io', 'roles'],
  ['rbac.authorization.k8s.io', 'rolebindings'],
];

const clusterScoped: [group: string, resource: string][] = [
  ['', 'namespaces'],
  ['', 'nodes'],
  ['', 'persistentvolumes'],
  ['rbac.authorization.k8s.io', 'clusterroles'],
  ['rbac.authorization.k8s.io', 'clusterrolebindings'],
  ['apiextensions.k8s.io', 'customresourcedefinitions'],
];

/** Verbs that are not reads or writes of an object but grant rights of their own. */
const special: Omit<Ask, 'namespace'>[] = [
  { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { verb: 'impersonate', group: '', resource: 'serviceaccounts' },
];

const key = (a: Ask) =>
  `${a.verb} ${a.group ? `${a.resource}.${a.group}` : a.resource}${a.subresource ? `/${a.subresource}` : ''}${
    a.name ? ` ${a.name}` : ''
  } in ${a.namespace ?? '(cluster)'}`;

/** Every question of the grid: each verb on each resource, in each namespace given, and cluster-wide. */
export function grid(namespaces: string[]): Ask[] {
  const asks: Ask[] = [];
  for (const namespace of namespaces) {
    for (const [group, resource, subresource] of namespaced)
      for (const verb of verbs) asks.push({ namespace, verb, group, resource, subresource });
    for (const s of special) asks.push({ namespace, ...s });
  }
  for (const [group, resource] of clusterScoped)
    for (const verb of verbs) asks.push({ verb, group, resource });
  return asks;
}

/** Asks the API server, as the identity of `kubeconfig`, each question; the answers in the same order. */
export async function review(kubeconfig: string, asks: Ask[]): Promise<boolean[]> {
  const kubectl = path.join(await builtBinDir(), 'kubectl');
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: asks.map((a) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { ...a } },
    })),
  };
  const out = await $({
    env: { ...process.env, KUBECONFIG: kubeconfig },
    input: JSON.stringify(list),
    quiet: true,
    nothrow: true,
    timeout: '120s',
  })`${kubectl} create -f - -o ${'jsonpath={.status.allowed}{"\\n"}'}`;
  assert.equal(out.exitCode, 0, out.stderr);
  const answers = out.stdout.trim().split('\n');
  assert.equal(answers.length, asks.length, `${asks.length} questions, ${answers.length} answers`);
  return answers.map((a) => a === 'true');
}

const rights = (namespace: string, group: string, resource: string, verbsAllowed: string[]): Ask[] =>
  verbsAllowed.map((verb) => ({ namespace, verb, group, resource }));

/** What each strategy's driver may do in its namespace (k8s/base/rbac.yaml, k8s/components/rainbow/rbac.yaml). */
export function strategyRights(strategy: 'rolling' | 'rainbow', namespace: string): Ask[] {
  if (strategy === 'rolling')
    return [
      ...rights(namespace, 'apps', 'deployments', ['get', 'patch']),
      // The rollout lists pods; readiness on drain lists and watches them and the Service's EndpointSlices.
      ...rights(namespace, '', 'pods', ['list', 'watch']),
      ...rights(namespace, 'discovery.k8s.io', 'endpointslices', ['list', 'watch']),
    ];
  // Rainbow follows no pod's readiness: it only lists pods (for the report's pod lanes), and has no rights
  // on EndpointSlices.
  return [
    ...rights(namespace, 'apps', 'deployments', ['get', 'list', 'create', 'delete']),
    ...rights(namespace, '', 'services', ['get', 'list', 'create', 'delete', 'patch']),
    ...rights(namespace, '', 'pods', ['list']),
  ];
}

/**
 * Asserts that the driver (`kubeconfig`) has exactly `allowed` over the grid of `namespace` and two
 * other namespaces; the message lists every difference.
 */
export async function assertExactRights(
  kubeconfig: string,
  namespace: string,
  allowed: Ask[],
): Promise<void> {
  const asks = grid([namespace, 'default', 'kube-system']);
  const expected = new Set(allowed.map(key));
  for (const a of allowed)
    assert.ok(
      asks.some((q) => key(q) === key(a)),
      `${key(a)} is not in the grid`,
    );
  const answers = await review(kubeconfig, asks);
  const wrong: string[] = [];
  asks.forEach((a, i) => {
    if (answers[i] !== expected.has(key(a))) wrong.push(`${answers[i] ? 'allowed' : 'denied'}: ${key(a)}`);
  });
  assert.deepEqual(
    wrong,
    [],
    `the driver's rights differ from its strategy's Role:\n  ${wrong.join('\n  ')}`,
  );
}
