/**
 * What a live reload changes: the running config against the new one, part by part. Pure, so the
 * rules can be read in one place: ConfigReloader applies the live parts, and every setting that a
 * running process cannot take is listed as restart-only, never silently ignored (docs/deploy.md,
 * "Live reload").
 */
import { isDeepStrictEqual } from 'node:util';
import type { DeviceConfig, RevcamConfig } from '../../config/types.js';

export interface ReloadPlan {
  /** One line per change applied live: `limits.maxViewers: 512 → 100`, `cameras.front: added`. */
  live: string[];
  /** One line per changed setting that waits for a restart: `server.port: 8080 → 8081 (restart to apply)`. */
  restartOnly: string[];
  /** Devices, roles, anonymous loopback or trusted proxies changed: authentication is replaced, viewers re-checked. */
  auth: boolean;
  origins: boolean;
  limits: boolean;
  /** Viewer queue settings (`stream`). */
  stream: boolean;
  display: boolean;
  log: boolean;
  /** Cameras, the vehicle or the service list changed: instances are reconciled (ConfigReloader). */
  services: boolean;
  /** server.tls is on in both configs with the same client-certificate mode: its files are re-read (a rotation keeps the paths). */
  tls: boolean;
}

type Config = Readonly<RevcamConfig>;

/** Sections that only a restart applies: what they configure is built once (listener, signal source, bus, recorder, state). */
const RESTART_ONLY = ['serviceHost', 'signals', 'reverse', 'nats', 'recorder', 'stateDir'] as const;

const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A value for a plan line: short JSON; long ones cut. */
export function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `path: old → new` for every changed leaf (lists compare whole). */
export function changedLeaves(a: unknown, b: unknown, path: string): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (!isPlain(a) || !isPlain(b)) return [`${path}: ${shown(a)} → ${shown(b)}`];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => changedLeaves(a[k], b[k], `${path}.${k}`));
}

/** Devices by id, compared by role and credential; the credential itself never goes into a line. */
function deviceLines(before: readonly DeviceConfig[], after: readonly DeviceConfig[]): string[] {
  const byId = (list: readonly DeviceConfig[]) => {
    const m = new Map<string, DeviceConfig[]>();
    for (const d of list) m.set(d.id, [...(m.get(d.id) ?? []), d]);
    return m;
  };
  const a = byId(before);
  const b = byId(after);
  const out: string[] = [];
  for (const [id, was] of a) {
    const now = b.get(id);
    if (!now) out.push(`auth.devices: ${id} removed`);
    else if (!isDeepStrictEqual(was, now)) {
      const roles = (l: DeviceConfig[]) => l.map((d) => d.role).join(',');
      const credentials = (l: DeviceConfig[]) => l.map((d) => ({ t: d.token, h: d.tokenHash, c: d.certCommonName }));
      const what = [roles(was) !== roles(now) && `role ${roles(was)} → ${roles(now)}`, !isDeepStrictEqual(credentials(was), credentials(now)) && 'credential replaced'].filter(Boolean);
      out.push(`auth.devices: ${id} ${what.join(', ')}`);
    }
  }
  for (const id of b.keys()) if (!a.has(id)) out.push(`auth.devices: ${id} added`);
  return out;
}

function cameraLines(before: Config['cameras'], after: Config['cameras']): string[] {
  const out: string[] = [];
  for (const id of Object.keys(before)) if (!Object.hasOwn(after, id)) out.push(`cameras.${id}: removed`);
  for (const [id, cam] of Object.entries(after)) {
    if (!Object.hasOwn(before, id)) out.push(`cameras.${id}: added`);
    else out.push(...changedLeaves(before[id], cam, `cameras.${id}`));
  }
  return out;
}

export function planReload(running: Config, next: Config): ReloadPlan {
  const live: string[] = [];
  const restartOnly: string[] = [];
  const later = (lines: string[]) => restartOnly.push(...lines.map((l) => `${l} (restart to apply)`));

  const s0 = running.server;
  const s1 = next.server;
  later(changedLeaves(s0.host, s1.host, 'server.host'));
  later(changedLeaves(s0.port, s1.port, 'server.port'));
  // Plain HTTP and HTTPS are different listeners; asking for client certificates is a listener option too.
  const tlsMode = (t: typeof s0.tls) => (t === null ? 'off' : t.requestClientCert ? 'mtls' : 'on');
  if (tlsMode(s0.tls) !== tlsMode(s1.tls)) later([`server.tls: ${tlsMode(s0.tls)} → ${tlsMode(s1.tls)}`]);
  const tls = s0.tls !== null && s1.tls !== null && tlsMode(s0.tls) === tlsMode(s1.tls);
  for (const key of RESTART_ONLY) later(changedLeaves(running[key], next[key], key));

  const authLines = [
    ...deviceLines(running.auth.devices, next.auth.devices),
    ...changedLeaves(running.auth.roles, next.auth.roles, 'auth.roles'),
    ...changedLeaves(running.auth.anonymousLoopback, next.auth.anonymousLoopback, 'auth.anonymousLoopback'),
    ...changedLeaves(s0.trustProxy, s1.trustProxy, 'server.trustProxy'),
  ];
  const originLines = changedLeaves(s0.allowedOrigins, s1.allowedOrigins, 'server.allowedOrigins');
  const limitLines = changedLeaves(running.limits, next.limits, 'limits');
  const streamLines = changedLeaves(running.stream, next.stream, 'stream');
  const displayLines = changedLeaves(running.display, next.display, 'display');
  const logLines = changedLeaves(running.log, next.log, 'log');
  // The vehicle's dimensions draw the guidelines: the services get them with their cameras.
  // Services added, removed or changed are named by ConfigReloader, which knows their instances.
  const serviceLines = [...cameraLines(running.cameras, next.cameras), ...changedLeaves(running.vehicle, next.vehicle, 'vehicle')];
  const services = serviceLines.length > 0 || !isDeepStrictEqual(running.services, next.services);
  live.push(...authLines, ...originLines, ...limitLines, ...streamLines, ...displayLines, ...logLines, ...serviceLines);
  return {
    live,
    restartOnly,
    auth: authLines.length > 0,
    origins: originLines.length > 0,
    limits: limitLines.length > 0,
    stream: streamLines.length > 0,
    display: displayLines.length > 0,
    log: logLines.length > 0,
    services,
    tls,
  };
}
