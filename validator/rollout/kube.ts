/** The project's Kubernetes client (k6/x/kubernetes): one per VU, errors turned into one-line reasons. */
import { Kubernetes } from 'k6/x/kubernetes';
import type { Config } from '../settings/registry.ts';

export function kubeClient(config: Pick<Config, 'kubeconfig'>): Kubernetes {
  return new Kubernetes(config.kubeconfig ? { config_path: config.kubeconfig } : {});
}

/** Label selector string from matchLabels. */
export function selectorOf(
  matchLabels: Record<string, string>,
): (labels: Record<string, string> | undefined) => boolean {
  return (labels) => Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: API objects are open-ended
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: API objects are open-ended
  status?: any;
}
