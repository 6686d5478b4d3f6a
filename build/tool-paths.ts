/**
 * Where a pinned developer tool lives once `make tools` built it:
 * `${XDG_CACHE_HOME:-$HOME/.cache}/zerodrop/tools/<name>-<version>/<name>`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheRoot } from '../tools/cache.ts';
import { StepError } from '../tools/status.ts';
import { readToolPins, type ToolPin } from './pins.ts';

const versionsFile = resolve(import.meta.dirname, 'versions.json');

export function toolPins(): Record<string, ToolPin> {
  return readToolPins(versionsFile);
}

export function toolPath(name: string, pin: ToolPin): string {
  return join(cacheRoot(), 'tools', `${name}-${pin.version}`, name);
}

/** The built binary of a pinned tool; fails naming the Make target that builds it. */
export function requireTool(name: string): string {
  const pin = toolPins()[name];
  if (!pin) throw new StepError(`no tool '${name}' in build/versions.json "tools"`);
  const binary = toolPath(name, pin);
  if (!existsSync(binary)) throw new StepError(`${name} ${pin.version} is not built: run make tools`);
  return binary;
}
