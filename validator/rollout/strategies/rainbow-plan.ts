/**
 * Rainbow (N-color) deployments, the pure part: naming colors, building a new color's Deployment and
 * Service from the serving one, and planning the repair that leaves the cluster consistent after an
 * interrupted rollout (exactly one healthy color selected by the main Service, at most N colors alive).
 * Pure: no k6 imports; the driver (strategy-rainbow.ts) and `make rainbow-cleanup` execute the plans.
 */

export const palette = [
  'blue',
  'green',
  'amber',
  'violet',
  'teal',
  'coral',
  'indigo',
  'lime',
  'rose',
  'slate',
] as const;

/** The label that marks a Deployment or Service as a color of `<base>`. */
export const rainbowOfLabel = 'zerodrop.dev/rainbow-of';
/** Creation order of colors (epoch ms), to delete the oldest first. */
export const colorBornAnnotation = 'zerodrop.dev/color-born';

export interface ColorState {
  color: string;
  deployment: string;
  /** Epoch ms from the born annotation (0 when unknown). */
  born: number;
  desired: number;
  available: number;
}

export interface RainbowState {
  base: string;
  /** The color the main Service selects, or null when it selects none. */
  selected: string | null;
  colors: ColorState[];
  /** Per-color Services that exist. */
  colorServices: string[];
}

export function colorName(base: string, color: string): string {
  return `${base}-${color}`;
}

/** The first palette color not alive (colors cycle once all ten were used and deleted). */
export function nextColor(alive: string[]): string {
  const free = palette.find((c) => !alive.includes(c));
  if (!free)
    throw new Error(`rainbow: every color of the palette is alive (${alive.join(', ')}): lower MAX_COLORS`);
  return free;
}

export function isHealthy(c: ColorState): boolean {
  return c.desired > 0 && c.available >= c.desired;
}

export type RepairAction =
  | { kind: 'select'; color: string }
  | { kind: 'delete-color'; color: string }
  | { kind: 'delete-service'; name: string };

/**
 * What to do so that the main Service selects exactly one healthy color and at most `maxColors` colors
 * are alive. Never deletes the selected color; prefers keeping the selected color, else the newest
 * healthy one; deletes unhealthy unselected colors first (a half-made new color), then the oldest.
 */
export function planRepair(state: RainbowState, maxColors: number): RepairAction[] {
  const actions: RepairAction[] = [];
  const byAge = [...state.colors].sort((a, b) => b.born - a.born);
  let selected = state.colors.find((c) => c.color === state.selected && isHealthy(c))?.color ?? null;
  if (selected === null) {
    const healthy = byAge.find(isHealthy);
    if (!healthy) return actions; // nothing healthy to select: leave it for a person to look at
    selected = healthy.color;
    actions.push({ kind: 'select', color: selected });
  }
  const keep = new Set([selected]);
  for (const c of byAge) {
    if (keep.size >= maxColors) break;
    if (c.color !== selected && isHealthy(c)) keep.add(c.color);
  }
  for (const c of state.colors)
    if (!keep.has(c.color)) actions.push({ kind: 'delete-color', color: c.color });
  const keptServices = new Set([...keep].map((c) => colorName(state.base, c)));
  for (const name of state.colorServices) {
    if (!keptServices.has(name)) actions.push({ kind: 'delete-service', name });
  }
  return actions;
}

/** A Kubernetes object as JSON, loosely typed. */
// biome-ignore lint/suspicious/noExplicitAny: API objects are open-ended
type Obj = Record<string, any>;

/** The new color's Deployment: the serving color's spec with the color in labels and selector. */
export function colorDeployment(
  from: Obj,
  base: string,
  color: string,
  colorLabel: string,
  now: number,
): Obj {
  const spec = JSON.parse(JSON.stringify(from.spec ?? {}));
  spec.selector = { matchLabels: { ...(spec.selector?.matchLabels ?? {}), [colorLabel]: color } };
  spec.template = spec.template ?? {};
  spec.template.metadata = spec.template.metadata ?? {};
  spec.template.metadata.labels = { ...(spec.template.metadata.labels ?? {}), [colorLabel]: color };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: colorName(base, color),
      namespace: from.metadata?.namespace,
      labels: { ...(from.metadata?.labels ?? {}), [colorLabel]: color, [rainbowOfLabel]: base },
      annotations: { [colorBornAnnotation]: String(now) },
    },
    spec,
  };
}

/** The Service that reaches one color alone (for the smoke test before it gets user traffic). */
export function colorService(main: Obj, base: string, color: string, colorLabel: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: colorName(base, color),
      namespace: main.metadata?.namespace,
      labels: { ...(main.metadata?.labels ?? {}), [colorLabel]: color, [rainbowOfLabel]: base },
    },
    spec: {
      type: 'ClusterIP',
      selector: { ...(main.spec?.selector ?? {}), [colorLabel]: color },
      ports: (main.spec?.ports ?? []).map((p: Obj) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort,
        protocol: p.protocol,
      })),
    },
  };
}

/** Reads a color Deployment into ColorState. */
export function colorState(obj: Obj, colorLabel: string): ColorState {
  return {
    color: obj.metadata?.labels?.[colorLabel] ?? '',
    deployment: obj.metadata?.name ?? '',
    born: Number(obj.metadata?.annotations?.[colorBornAnnotation] ?? 0),
    desired: obj.spec?.replicas ?? 1,
    available: obj.status?.availableReplicas ?? 0,
  };
}
