// Exercises k6/x/kubernetes against a live API server (see integration_test.go). Any failed
// check aborts the test run, so k6 exits non-zero.
import { sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Kubernetes } from 'k6/x/kubernetes';

export const options = { iterations: 1, insecureSkipTLSVerify: true };

const ns = 'zd-it';
const server = __ENV.KUBE_SERVER;
const admin = new Kubernetes({ config_path: __ENV.KUBE_CONFIG, timeout: 10 });

const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: restricted, namespace: ${ns}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: no-secrets, namespace: ${ns}}
rules:
- {apiGroups: [""], resources: [services, pods], verbs: [get, list]}
- {apiGroups: [apps], resources: [deployments], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: restricted-no-secrets, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: no-secrets}
subjects: [{kind: ServiceAccount, name: restricted, namespace: ${ns}}]
`;

let checks = 0;
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  checks++;
}
function throws(fn, pattern, what) {
  let message;
  try {
    fn();
  } catch (e) {
    message = e.message;
  }
  check(
    message !== undefined && pattern.test(message),
    `${what}: threw ${JSON.stringify(message)}, want ${pattern}`,
  );
}

export default function () {
  try {
    run();
    console.log(`kube-api.js: all checks passed (${checks})`);
  } catch (e) {
    exec.test.abort(e.message);
  }
}

function run() {
  admin.apply(manifest);
  let d = admin.get('Deployment.apps', 'web', ns);
  check(d.spec.replicas === 2, 'applied replicas');
  check(
    d.metadata.managedFields.some((f) => f.manager === 'zerodrop' && f.operation === 'Apply'),
    'field manager',
  );

  // Another manager takes spec.replicas; apply forces it back.
  const other = http.patch(
    `${server}/apis/apps/v1/namespaces/${ns}/deployments/web?fieldManager=other&force=true`,
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 7 },
    }),
    {
      headers: {
        Authorization: `Bearer ${__ENV.KUBE_ADMIN_TOKEN}`,
        'Content-Type': 'application/apply-patch+yaml',
      },
    },
  );
  check(other.status === 200, `apply by another manager: ${other.status} ${other.body}`);
  admin.apply(manifest);
  check(admin.get('Deployment.apps', 'web', ns).spec.replicas === 2, 'apply forces conflicts');

  const deployments = admin.list('Deployment.apps', ns);
  check(Array.isArray(deployments) && deployments.length === 1, 'list in a namespace');
  check(
    deployments[0].apiVersion === 'apps/v1' && deployments[0].kind === 'Deployment',
    'list items are typed',
  );
  check(
    admin.list('Deployment.apps').some((x) => x.metadata.namespace === ns),
    'list in all namespaces',
  );
  check(
    admin.list('Namespace').some((x) => x.metadata.name === ns),
    'list a cluster-scoped kind',
  );
  check(Array.isArray(admin.list('EndpointSlice.discovery.k8s.io', ns)), 'list a kind of a dotted group');
  check(admin.get('Namespace', ns).status.phase === 'Active', 'get a cluster-scoped kind');

  const svc = admin.get('Service', 'web', ns);
  check(svc.spec.ports[0].port === 80 && svc.spec.clusterIP.startsWith('10.96.'), 'service');

  const stale = admin.get('Deployment.apps', 'web', ns);
  d = admin.get('Deployment.apps', 'web', ns);
  d.spec.replicas = 3;
  check(admin.update(d).spec.replicas === 3, 'update');
  throws(
    () => admin.update(stale),
    /^update Deployment\.apps zd-it\/web: conflict: .*\(409\)$/,
    'stale update',
  );

  check(
    admin.patch('Deployment.apps', 'web', ns, '{"spec":{"replicas":4}}', 'merge').spec.replicas === 4,
    'merge patch',
  );
  const strategic = admin.patch(
    'Deployment.apps',
    'web',
    ns,
    '{"metadata":{"labels":{"tier":"front"}}}',
    'strategic',
  );
  check(
    strategic.metadata.labels.tier === 'front' && strategic.metadata.labels.app === 'web',
    'strategic patch',
  );
  const json = '[{"op":"replace","path":"/spec/replicas","value":1}]';
  check(admin.patch('Deployment.apps', 'web', ns, json, 'json').spec.replicas === 1, 'json patch');
  check(
    admin.patch('Service', 'web', ns, '{"metadata":{"annotations":{"a":"b"}}}', 'merge').metadata.annotations
      .a === 'b',
    'patch a service',
  );

  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: ns },
    stringData: { password: 'x' },
  };
  check(admin.create(secret).metadata.uid.length > 0, 'create');
  throws(() => admin.create(secret), /^create Secret zd-it\/db: already exists: .*\(409\)$/, 'create twice');
  throws(
    () => admin.get('Deployment.apps', 'nope', ns),
    /^get Deployment\.apps zd-it\/nope: not found: .*\(404\)$/,
    'not found',
  );
  throws(() => admin.get('Frobnicator', 'x', ns), /no matches for kind "Frobnicator"/, 'unknown kind');
  check(admin.can('get', 'Secret', ns) && admin.can('create', 'Namespace', ''), 'admin can');

  const tokenRequest = http.post(
    `${server}/api/v1/namespaces/${ns}/serviceaccounts/restricted/token`,
    JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    }),
    { headers: { Authorization: `Bearer ${__ENV.KUBE_ADMIN_TOKEN}`, 'Content-Type': 'application/json' } },
  );
  check(tokenRequest.status === 201, `token request: ${tokenRequest.status} ${tokenRequest.body}`);
  const restricted = new Kubernetes({ server, token: tokenRequest.json('status.token') });
  check(restricted.get('Deployment.apps', 'web', ns).metadata.name === 'web', 'restricted get');
  check(restricted.can('list', 'Service', ns), 'restricted can list services');
  check(!restricted.can('get', 'Secret', ns), 'restricted cannot get secrets');
  check(!restricted.can('delete', 'Deployment.apps', ns), 'restricted cannot delete deployments');
  check(!restricted.can('create', 'Namespace'), 'restricted cannot create namespaces');
  throws(
    () => restricted.get('Secret', 'db', ns),
    /^get Secret zd-it\/db: forbidden: .*cannot get resource "secrets".*\(403\)$/,
    'forbidden get',
  );
  throws(() => restricted.delete('Service', 'web', ns), /forbidden: .*\(403\)$/, 'forbidden delete');

  watchChecks(restricted);

  admin.delete('Deployment.apps', 'web', ns);
  admin.delete('Service', 'web', ns);
  throws(() => admin.get('Service', 'web', ns), /not found: .*\(404\)$/, 'deleted');
  admin.delete('Namespace', ns);
}

/** Events of a watch until `done(all events so far)` holds, for at most 10 s. */
function eventsUntil(w, done, what) {
  const seen = [];
  for (let i = 0; i < 100; i++) {
    seen.push(...w.events());
    if (done(seen)) return seen;
    sleep(0.1);
  }
  throw new Error(
    `check failed: ${what}: events seen: ${JSON.stringify(seen.map((e) => [e.type, e.object.metadata.name]))}`,
  );
}

// watch: a Pod bound to a node that has no kubelet (its deletion then stays pending, as a pod's does
// while it drains) and an EndpointSlice of Service web, as the readiness-on-drain check follows them.
function watchChecks(restricted) {
  admin.apply(`
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: ${ns}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: ${ns}, labels: {app: watched}}
spec: {nodeName: no-kubelet, terminationGracePeriodSeconds: 30, containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: ${ns}, labels: {app: other}}
spec: {nodeName: no-kubelet, containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: ${ns}, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.1.0.7]
  conditions: {ready: true, serving: true, terminating: false}
  targetRef: {kind: Pod, name: web-1, namespace: ${ns}}
`);
  const began = Date.now();
  const pods = admin.watch('Pod', ns, { labelSelector: 'app=watched' });
  const slices = admin.watch('EndpointSlice.discovery.k8s.io', ns, {
    labelSelector: 'kubernetes.io/service-name=web',
  });
  const initial = pods.events();
  check(
    initial.length === 1 && initial[0].type === 'ADDED' && initial[0].object.metadata.name === 'web-1',
    `watch lists what exists first, by label: ${JSON.stringify(initial.map((e) => e.object.metadata.name))}`,
  );
  check(initial[0].at >= began - 1000 && initial[0].at <= Date.now(), `event time ${initial[0].at}`);
  check(initial[0].object.kind === 'Pod', 'listed objects are typed');
  const slice = slices.events()[0];
  check(slice?.object.endpoints[0].conditions.serving === true, 'the slice, serving');

  // The endpoint stops serving while it terminates; the pod's deletion starts and stays pending.
  admin.patch(
    'EndpointSlice.discovery.k8s.io',
    'web-abc',
    ns,
    JSON.stringify({
      endpoints: [
        {
          addresses: ['10.1.0.7'],
          conditions: { ready: false, serving: false, terminating: true },
          targetRef: { kind: 'Pod', name: 'web-1', namespace: ns },
        },
      ],
    }),
    'merge',
  );
  const modified = eventsUntil(
    slices,
    (es) => es.some((e) => e.type === 'MODIFIED' && e.object.endpoints[0].conditions.serving === false),
    'slice MODIFIED, serving false',
  );
  check(
    modified.every((e) => typeof e.at === 'number'),
    'every event is timed',
  );
  admin.delete('Pod', 'web-1', ns);
  eventsUntil(
    pods,
    (es) => es.some((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp),
    'pod MODIFIED with a deletionTimestamp',
  );
  admin.delete('EndpointSlice.discovery.k8s.io', 'web-abc', ns);
  eventsUntil(slices, (es) => es.some((e) => e.type === 'DELETED'), 'slice DELETED');
  check(pods.error() === '' && slices.error() === '', `no watch error: ${pods.error()} ${slices.error()}`);
  pods.stop();
  slices.stop();
  pods.stop(); // idempotent

  throws(() => admin.watch('Nope', ns), /^watch Nope in zd-it: .*no matches for kind "Nope"/, 'unknown kind');
  throws(() => admin.watch('Pod', ns, { selector: 'x' }), /unknown option "selector"/, 'unknown option');
  // The restricted account may list pods but not watch them: the list works, the watch then ends.
  const refused = restricted.watch('Pod', ns);
  for (let i = 0; i < 100 && refused.error() === ''; i++) sleep(0.1);
  check(/forbidden|watch/i.test(refused.error()), `a forbidden watch says so: ${refused.error()}`);
  refused.stop();
  throws(
    () => restricted.watch('Secret', ns),
    /^watch Secret in zd-it: forbidden: .*\(403\)$/,
    'forbidden list',
  );
}
