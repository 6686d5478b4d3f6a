/**
 * Presets: the defaults of common session stacks, so that a profile for one of them says only what is
 * its own (paths, frames, values). A profile names one or several (`"preset": "express-session"`,
 * `"preset": ["express-session", "socket.io"]`); they are merged under it in order, the profile's own
 * fields winning, objects merged key by key and arrays replaced. Facts: ../shared/reference/targets.md.
 * Pure: no k6 imports.
 */
import { referenceProfile } from './builtin/reference.ts';

type Json = Record<string, unknown>;

/** Built on each call: read in the init context only, not held in every VU's heap. */
function presetTable(): Record<string, Json> {
  return {
    /** express-session + connect-redis: `connect.sid` signed, `sess:<sid>` holding JSON. */
    'express-session': {
      http: { session: { cookie: 'connect.sid', format: 'express-signed' }, unauthorizedStatuses: [401] },
      redis: { session: { key: 'sess:{sid}', type: 'json' } },
    },
    /** Spring Session Data Redis (Boot's default repository): `SESSION` base64, a hash per session. */
    'spring-session': {
      http: { session: { cookie: 'SESSION', format: 'spring-base64' }, unauthorizedStatuses: [401, 403] },
      redis: { session: { key: 'spring:session:sessions:{sid}', type: 'hash' } },
      websocket: { cleanCloseCodes: [1000, 1001, 1012], unauthorizedCloseCodes: [1008] },
    },
    /**
     * Socket.IO v4 over a raw WebSocket: Engine.IO framing; events decode to {type:"event", event, data,
     * args}, acks to {type:"ack", data, args}; io.close() sends an empty close frame (1005).
     */
    'socket.io': {
      websocket: {
        protocol: 'socket.io',
        path: '/socket.io/',
        cleanCloseCodes: [1000, 1001, 1005, 1012],
        frames: { ack: { match: { type: 'ack' }, status: 'data.status' } },
      },
    },
    /** zerodrop's own reference service (app/). */
    reference: referenceProfile as unknown as Json,
  };
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isObject(below) && isObject(value) ? merge(below, value) : value;
  }
  return out;
}

/** Preset sections that apply only where the profile has the section itself (a service without WebSockets). */
const onlyWhenDeclared = ['websocket'];

/**
 * The profile with its presets merged under it; the `preset` field stays for the report. Throws a line
 * naming the unknown preset.
 */
export function withPresets(data: unknown): unknown {
  if (!isObject(data) || data.preset === undefined) return data;
  const names = Array.isArray(data.preset) ? data.preset : [data.preset];
  const presets = presetTable();
  let merged: Json = {};
  for (const name of names) {
    const preset = typeof name === 'string' ? presets[name] : undefined;
    if (!preset)
      throw new Error(
        `preset: unknown preset ${JSON.stringify(name)} (known: ${Object.keys(presets).join(', ')})`,
      );
    const applicable = Object.fromEntries(
      Object.entries(preset).filter(([section]) => !onlyWhenDeclared.includes(section) || section in data),
    );
    merged = merge(merged, applicable);
  }
  return merge(merged, { ...data, preset: names.join('+') });
}
