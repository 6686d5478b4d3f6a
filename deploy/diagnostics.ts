/** What to print when a cluster step fails: pods, recent events and the log tails of unready pods. */
import type { ClusterAccess } from './access.ts';

export async function diagnostics(access: ClusterAccess, namespace: string): Promise<string> {
  const run = async (args: string[]) => {
    const out = await access.sh`${access.kubectl} ${args}`.nothrow();
    return (out.stdout + out.stderr).trim();
  };
  const parts = [
    `--- pods (${namespace})\n${await run(['get', 'pods', '-n', namespace, '-o', 'wide'])}`,
    `--- events (${namespace}, last 20)\n${(await run(['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp'])).split('\n').slice(-20).join('\n')}`,
  ];
  const pods = await run([
    'get',
    'pods',
    '-n',
    namespace,
    '-o',
    'jsonpath={range .items[?(@.status.containerStatuses[0].ready==false)]}{.metadata.name}{"\\n"}{end}',
  ]);
  for (const pod of pods.split('\n').filter(Boolean).slice(0, 3)) {
    parts.push(
      `--- logs ${pod} (last 20 lines)\n${await run(['logs', pod, '-n', namespace, '--tail=20', '--all-containers'])}`,
    );
  }
  return `${parts.join('\n')}\n`;
}
