/**
 * What setup() hands every VU: the run id, decided once in setup(). Apart from settings.ts so that the
 * load VUs, which take their settings from VU 0 (settings/shared.ts), do not instantiate the settings code.
 */
import exec from 'k6/execution';

export function runIdFromSetup(data: unknown): string {
  const id = (data as { runId?: string } | undefined)?.runId;
  if (!id) exec.test.abort('setup did not return a run id');
  return id as string;
}
