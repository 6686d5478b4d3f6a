/**
 * The timeline as inline SVG panels on one time axis, with the rollout windows shaded across them: a
 * lane per pod (its state — starting, ready, unready, terminating — as the lane's background, identity
 * requests answered per second as an area, open WebSocket sessions as a line, failures as a red strip),
 * traffic served per color, WebSocket sessions open and reconnects, latency p99 per second (HTTP and
 * feed), and failures per second by invariant on their own scale; then an HTML legend. Pure.
 */
import { escapeXml } from './junit.ts';
import type { LaneState, PodLane, TimelineModel } from './timeline-data.ts';

const width = 1000;
const left = 170;
const right = 70;
const plotWidth = width - left - right;
const gap = 40;
/** Lines stop short of a panel's top, so a line at its maximum stays visible. */
const headroom = 0.92;

export const stateColors: Record<LaneState, string> = {
  starting: '#ddd',
  ready: '#c7e9c0',
  unready: '#fdd0a2',
  terminating: '#fd8d3c',
  seen: '#e6e6e6',
};
const palette = ['#3366cc', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00', '#316395', '#994499'];
const failurePalette = ['#c00', '#e6550d', '#756bb1', '#8c564b', '#e377c2', '#bcbd22', '#17becf', '#636363'];
const requestsColor = '#4a6fa5';
const socketsColor = '#7b3294';
const reconnectColor = '#e6550d';
const httpColor = '#3366cc';
const feedColor = '#109618';

const f = (n: number) => String(Math.round(n * 10) / 10);

/** An SVG element; attribute values are numbers (rounded) or trusted strings, `inner` is markup. */
function el(tag: string, attrs: Record<string, string | number>, inner?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k.replace(/_/g, '-')}="${typeof v === 'number' ? f(v) : v}"`)
    .join('');
  return inner === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}
const title = (text: string) => `<title>${escapeXml(text)}</title>`;
const text = (x: number, y: number, content: string, attrs: Record<string, string | number> = {}) =>
  el('text', { x, y, font_size: 11, ...attrs }, escapeXml(content));

/** A round tick interval giving at most ~10 ticks over `total` seconds. */
export function tickStep(total: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800];
  return steps.find((s) => total / s <= 10) ?? 86400;
}

/** `12 s` under two minutes, `m:ss` (or `h:mm:ss`) beyond. */
export function tickLabel(seconds: number, total: number): string {
  if (total < 120) return `${seconds} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(seconds % 60)}` : `${m}:${pad(seconds % 60)}`;
}

/** The largest value, at least 1 (a loop: a long run has too many values to spread into Math.max). */
function top1(values: Iterable<number | null>): number {
  let max = 1;
  for (const v of values) if (v !== null && v > max) max = v;
  return max;
}

/** A compact number for scale labels: 950, 1.2k, 1.5M. */
function short(n: number): string {
  return n >= 1e6
    ? `${+(n / 1e6).toPrecision(2)}M`
    : n >= 1e3
      ? `${+(n / 1e3).toPrecision(2)}k`
      : `${+n.toPrecision(3)}`;
}

/** Draws on the common time axis of a model. */
class Canvas {
  readonly total: number;
  readonly col: number;
  readonly per: string;

  constructor(readonly m: TimelineModel) {
    this.total = m.columns * m.step;
    this.col = plotWidth / m.columns;
    this.per = m.step > 1 ? ` per ${m.step} s` : '/s';
  }

  x(second: number): number {
    return left + (second / this.total) * plotWidth;
  }

  /** Column c's left edge and its center. */
  cx(c: number): number {
    return this.x(c * this.m.step) + this.col / 2;
  }

  at(c: number): string {
    return tickLabel(c * this.m.step, this.total);
  }

  /** A panel: heading, rollout shading, tick grid and labels, border; `body` drawn over them. */
  panel(id: string, heading: string, top: number, h: number, body: string, note = ''): string {
    const parts = [text(left, top - 8, heading, { font_size: 13, font_weight: 600 })];
    if (note) parts.push(text(width - right, top - 8, note, { text_anchor: 'end', fill: '#555' }));
    for (const w of this.m.rollouts)
      parts.push(
        el(
          'rect',
          {
            class: 'rollout',
            x: this.x(w.from),
            y: top,
            width: Math.max(1, this.x(w.to) - this.x(w.from)),
            height: h,
            fill: '#fff2cc',
          },
          title(`rollout${w.index ? ` ${w.index}` : ''}`),
        ),
      );
    const step = tickStep(this.total);
    for (let s = 0; s <= this.total; s += step) {
      const x = this.x(s);
      parts.push(
        el('line', { x1: x, y1: top, x2: x, y2: top + h, stroke: '#e4e4e4' }),
        text(x, top + h + 13, tickLabel(s, this.total), {
          font_size: 10,
          text_anchor: 'middle',
          fill: '#555',
        }),
      );
    }
    parts.push(
      el('rect', { x: left, y: top, width: plotWidth, height: h, fill: 'none', stroke: '#bbb' }),
      body,
    );
    return el('g', { class: 'panel', id }, parts.join(''));
  }

  /** Path data through the columns' values (null breaks it), `max` at the top of `h` below `top`. */
  line(values: (number | null)[], top: number, h: number, max: number): string {
    let d = '';
    let pen = false;
    values.forEach((v, c) => {
      if (v !== null) d += `${pen ? 'L' : 'M'}${f(this.cx(c))} ${f(top + h - (v / max) * h * headroom)}`;
      pen = v !== null;
    });
    return d;
  }

  /** Bars per column (stacked on `base`), each with its title. */
  bars(
    values: number[],
    top: number,
    h: number,
    max: number,
    attrs: Record<string, string>,
    label: (n: number, c: number) => string,
    base: number[] = [],
  ): string {
    return values
      .map((n, c) => {
        if (n <= 0) return '';
        const bh = (n / max) * h;
        const y = top + h - (base[c] ?? 0) - bh;
        base[c] = (base[c] ?? 0) + bh;
        return el(
          'rect',
          { ...attrs, x: this.x(c * this.m.step), y, width: Math.max(2, this.col - 1), height: bh },
          title(label(n, c)),
        );
      })
      .join('');
  }
}

function laneTitle(l: PodLane): string {
  const events = Object.entries(l.events)
    .sort((p, q) => (p[1] ?? 0) - (q[1] ?? 0))
    .map(([e, s]) => `${e} at ${f(s ?? 0)} s`);
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  const colors = l.colors.filter((c) => c !== 'unknown');
  return `${l.pod}${colors.length ? ` (${colors.join(', ')})` : ''}: ${events.join(', ') || 'no lifecycle recorded'}; ${sum(l.requests)} requests, ${sum(l.messages)} feed messages, at most ${Math.max(0, ...l.sockets)} WebSocket sessions, ${l.failed} failures`;
}

function podLanes(k: Canvas, top: number): { svg: string; height: number } {
  const { m } = k;
  const laneH = m.pods.length > 24 ? 18 : 28;
  const h = Math.max(1, m.pods.length * (laneH + 4) - 4);
  const max = (pick: (l: PodLane) => number[]) => top1(m.pods.flatMap(pick));
  const maxRequests = max((l) => l.requests);
  const maxSockets = max((l) => l.sockets);
  const maxFailures = max((l) => l.failures);
  const lanes = m.pods.map((l, i) => {
    const y = top + i * (laneH + 4);
    const parts = [title(laneTitle(l))];
    for (const s of l.spans)
      parts.push(
        el('rect', {
          class: `state-${s.state}`,
          x: k.x(s.from),
          y,
          width: k.x(s.to) - k.x(s.from),
          height: laneH,
          fill: stateColors[s.state],
        }),
      );
    const area = l.requests.map((v, c) => `${f(k.cx(c))},${f(y + laneH - (v / maxRequests) * (laneH - 3))}`);
    parts.push(
      el('polygon', {
        points: `${f(k.cx(0))},${y + laneH} ${area.join(' ')} ${f(k.cx(m.columns - 1))},${y + laneH}`,
        fill: requestsColor,
        fill_opacity: 0.55,
      }),
    );
    if (l.sockets.some((v) => v > 0))
      parts.push(
        el('path', {
          d: k.line(l.sockets, y + 3, laneH - 3, maxSockets),
          fill: 'none',
          stroke: socketsColor,
          stroke_width: 1.5,
        }),
      );
    const gone = l.events.gone;
    if (gone !== undefined && gone >= 0 && gone <= k.total)
      parts.push(
        el('line', { x1: k.x(gone), y1: y, x2: k.x(gone), y2: y + laneH, stroke: '#333', stroke_width: 1.5 }),
      );
    // Failures as a strip along the lane's top, darker for more: the lane's states stay readable.
    l.failures.forEach((n, c) => {
      if (n > 0)
        parts.push(
          el(
            'rect',
            {
              class: 'failure',
              x: k.x(c * m.step),
              y,
              width: Math.max(2, k.col),
              height: 7,
              fill: '#c00',
              fill_opacity: 0.35 + (0.65 * n) / maxFailures,
            },
            title(`${n} failures at ${k.at(c)}`),
          ),
        );
    });
    const name = l.pod.length > 24 ? `${l.pod.slice(0, 23)}…` : l.pod;
    parts.push(
      text(left - 6, y + laneH / 2 + (l.failed > 0 ? -1 : 4), name, { font_size: 12, text_anchor: 'end' }),
    );
    if (l.failed > 0)
      parts.push(
        text(left - 6, y + laneH / 2 + 11, `${l.failed} failures`, {
          font_size: 10,
          text_anchor: 'end',
          fill: '#c00',
        }),
      );
    return el(
      'g',
      { class: l.failed > 0 ? 'lane failing' : 'lane', 'data-pod': escapeXml(l.pod) },
      parts.join(''),
    );
  });
  const sockets = m.pods.some((l) => l.sockets.some((v) => v > 0))
    ? `, ${short(maxSockets)} WebSocket sessions`
    : '';
  const note = `lane scale: ${short(maxRequests)} requests${k.per}${sockets}`;
  return { svg: k.panel('pods', 'Pods', top, h, lanes.join(''), note), height: h };
}

function linesPanel(
  k: Canvas,
  top: number,
  id: string,
  heading: string,
  series: { name: string; values: (number | null)[]; color: string }[],
  unit: string,
): string {
  const h = 110;
  const max = top1(series.flatMap((s) => s.values));
  const body = [
    text(left - 6, top + 10, `${short(max)}${unit}`, { text_anchor: 'end' }),
    text(left - 6, top + h, '0', { text_anchor: 'end' }),
    ...series.map((s) =>
      el(
        'path',
        { d: k.line(s.values, top, h, max), fill: 'none', stroke: s.color, stroke_width: 1.5 },
        title(s.name),
      ),
    ),
  ];
  return k.panel(id, heading, top, h, body.join(''));
}

function socketsPanel(k: Canvas, top: number, ws: NonNullable<TimelineModel['sockets']>): string {
  const h = 90;
  const maxOpen = top1(ws.open);
  const maxRe = top1(ws.reconnects);
  const body = [
    text(left - 6, top + 10, `${short(maxOpen)} open`, { text_anchor: 'end', fill: socketsColor }),
    text(width - right + 4, top + 10, `${short(maxRe)}${k.per}`, { fill: reconnectColor }),
    k.bars(
      ws.reconnects,
      top,
      h,
      maxRe,
      { class: 'reconnects', fill: reconnectColor, fill_opacity: '0.7' },
      (n, c) => `${n} reconnects at ${k.at(c)}`,
    ),
    el(
      'path',
      { d: k.line(ws.open, top, h, maxOpen), fill: 'none', stroke: socketsColor, stroke_width: 1.5 },
      title('open'),
    ),
  ];
  return k.panel('sockets', 'WebSocket sessions open, and reconnects', top, h, body.join(''));
}

function failuresPanel(k: Canvas, top: number): string {
  const { m } = k;
  const h = 90;
  const max = top1(
    Array.from({ length: m.columns }, (_, c) => m.failures.reduce((sum, x) => sum + (x.counts[c] ?? 0), 0)),
  );
  const base: number[] = [];
  const body = [
    text(left - 6, top + 10, `${short(max)}${k.per}`, { text_anchor: 'end', fill: '#c00' }),
    text(left - 6, top + h, '0', { text_anchor: 'end' }),
    ...m.failures.map((x, i) =>
      k.bars(
        x.counts,
        top,
        h,
        max,
        { class: 'failure', fill: failurePalette[i % failurePalette.length] as string },
        (n, c) => `${n} × ${x.invariant} at ${k.at(c)}`,
        base,
      ),
    ),
  ];
  return k.panel(
    'failures',
    'Failures',
    top,
    h,
    body.join(''),
    m.failures.length ? '' : 'no failure recorded',
  );
}

const swatch = (color: string, label: string, line = false) =>
  `<span><i style="display:inline-block;width:14px;height:${line ? 3 : 10}px;background:${color};margin-right:4px;vertical-align:middle"></i>${escapeXml(label)}</span>`;

export function timelineSvg(m: TimelineModel | null): string {
  if (!m) return '<p>No traffic was recorded.</p>';
  const k = new Canvas(m);
  // Each rollout named above the panels, unless it would overlap the name before it.
  const parts: string[] = [];
  let free = 0;
  for (const w of m.rollouts) {
    const x = k.x(w.from) + 2;
    if (x < free) continue;
    parts.push(text(x, 12, `rollout${w.index ? ` ${w.index}` : ''}`, { fill: '#8a6d00' }));
    free = x + 60;
  }
  let top = 44;
  const lanes = podLanes(k, top);
  parts.push(lanes.svg);
  top += lanes.height + gap;
  const colors = m.colors.map((c, i) => ({
    name: `served by ${c.color}`,
    values: c.served,
    color: palette[i % palette.length] as string,
  }));
  parts.push(linesPanel(k, top, 'served', 'Requests and feed messages served, by color', colors, k.per));
  top += 110 + gap;
  if (m.sockets) {
    parts.push(socketsPanel(k, top, m.sockets));
    top += 90 + gap;
  }
  const latency = [
    { name: 'HTTP p99', values: m.latency.http, color: httpColor },
    { name: 'feed p99', values: m.latency.feed, color: feedColor },
  ];
  parts.push(
    linesPanel(k, top, 'latency', `Latency p99 per ${m.step > 1 ? `${m.step} s` : 'second'}`, latency, ' ms'),
  );
  top += 110 + gap;
  parts.push(failuresPanel(k, top));
  top += 90 + 24;
  const legend = [
    ...(['starting', 'ready', 'unready', 'terminating'] as const).map((s) =>
      swatch(stateColors[s], `pod ${s}`),
    ),
    swatch('#333', 'pod gone', true),
    swatch(requestsColor, 'requests answered by the pod'),
    swatch(socketsColor, 'WebSocket sessions open', true),
    swatch('#c00', 'failures on the pod'),
    swatch('#fff2cc', 'rollout window'),
    ...colors.map((c) => swatch(c.color, c.name, true)),
    ...(m.sockets ? [swatch(reconnectColor, 'reconnects')] : []),
    ...latency.map((l) => swatch(l.color, l.name, true)),
    ...m.failures.map((x, i) => swatch(failurePalette[i % failurePalette.length] as string, x.invariant)),
  ];
  return `${el('svg', { xmlns: 'http://www.w3.org/2000/svg', width, height: top, viewBox: `0 0 ${width} ${top}`, font_family: 'system-ui,sans-serif' }, parts.join(''))}
<div class="legend">${legend.join('')}</div>`;
}
