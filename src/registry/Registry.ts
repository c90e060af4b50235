/**
 * Matches a StreamRequest to the best healthy service instance. Pure: it sees
 * instances through a small descriptor, so the same matching serves local
 * children now and remote (NATS) instances later.
 *
 * Order: exact service name (on the requested vehicle, or the only vehicle
 * offering it), then camera, then codec, then health; among the
 * survivors prefer those that meet the size/fps limits, then a running one
 * (no start-up wait), then the least loaded, then the newest version.
 */
import { RevcamError } from '../errors/RevcamError.js';
import type { CodecName } from '../wire/frame.js';

export interface InstanceDescriptor {
  id: string;
  name: string;
  version: string;
  kind: string;
  cameras: readonly string[];
  codecs: readonly CodecName[];
  /** Output size and rate per camera, for maxWidth/maxFps preferences. */
  cameraInfo: Readonly<Record<string, { width: number; fps: number }>>;
  location: 'local' | 'remote';
  /** The vehicle it belongs to; undefined for the embedded default, which names none. */
  vehicle?: string | undefined;
  /** `failed` instances are never matched; `backoff` ones are (they are coming back). */
  health(): 'running' | 'stopped' | 'starting' | 'backoff' | 'failed';
  viewers(): number;
}

export interface MatchRequest {
  service: string;
  /** Which vehicle's service; without it, the default vehicle or the only one offering the service. */
  vehicle?: string | undefined;
  camera: string;
  codec: CodecName;
  maxWidth?: number;
  maxFps?: number;
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export class Registry {
  #instances = new Map<string, InstanceDescriptor>();
  /** The vehicle a request without `vehicle` gets when several offer the service (this process's own, if any). */
  defaultVehicle: string | undefined;

  register(d: InstanceDescriptor): void {
    this.#instances.set(d.id, d);
  }

  unregister(id: string): void {
    this.#instances.delete(id);
  }

  list(): InstanceDescriptor[] {
    return [...this.#instances.values()];
  }

  get(id: string): InstanceDescriptor | undefined {
    return this.#instances.get(id);
  }

  /** The instances of the requested (or implied) vehicle: SERVICE_NOT_FOUND if none, BAD_REQUEST if the vehicle is ambiguous. */
  #onVehicle(named: InstanceDescriptor[], req: MatchRequest): InstanceDescriptor[] {
    const vehicles = [...new Set(named.map((d) => d.vehicle))];
    const names = () => vehicles.map((v) => v ?? '(unnamed)').sort().join(', ');
    if (req.vehicle !== undefined) {
      const on = named.filter((d) => d.vehicle === req.vehicle);
      if (on.length === 0) throw new RevcamError('SERVICE_NOT_FOUND', `no vehicle "${req.vehicle}" offers service "${req.service}" (vehicles offering it: ${names()})`);
      return on;
    }
    if (vehicles.length <= 1) return named;
    if (this.defaultVehicle !== undefined && vehicles.includes(this.defaultVehicle)) return named.filter((d) => d.vehicle === this.defaultVehicle);
    throw new RevcamError('BAD_REQUEST', `service "${req.service}" is offered by several vehicles (${names()}): name one with "vehicle"`);
  }

  match(req: MatchRequest): InstanceDescriptor {
    const named = this.list().filter((d) => d.name === req.service);
    if (named.length === 0) throw new RevcamError('SERVICE_NOT_FOUND', `no service named "${req.service}"`);
    const byName = this.#onVehicle(named, req);
    const byCamera = byName.filter((d) => d.cameras.includes(req.camera));
    if (byCamera.length === 0) {
      const known = [...new Set(byName.flatMap((d) => d.cameras))].join(', ');
      throw new RevcamError('CAMERA_NOT_AVAILABLE', `service "${req.service}" has no camera "${req.camera}" (it has: ${known})`);
    }
    const byCodec = byCamera.filter((d) => d.codecs.includes(req.codec));
    if (byCodec.length === 0) {
      const known = [...new Set(byCamera.flatMap((d) => d.codecs))].join(', ');
      throw new RevcamError('CODEC_UNSUPPORTED', `service "${req.service}" cannot deliver ${req.codec} for camera "${req.camera}" (it offers: ${known})`);
    }
    const healthy = byCodec.filter((d) => d.health() !== 'failed');
    if (healthy.length === 0) throw new RevcamError('SERVICE_FAILED', `every instance of "${req.service}" has failed`);
    const fits = (d: InstanceDescriptor) => {
      const info = d.cameraInfo[req.camera];
      if (!info) return true;
      return (req.maxWidth === undefined || info.width <= req.maxWidth) && (req.maxFps === undefined || info.fps <= req.maxFps);
    };
    const rank = (d: InstanceDescriptor): number[] => [fits(d) ? 0 : 1, d.health() === 'running' ? 0 : 1, d.location === 'local' ? 0 : 1, d.viewers()];
    return healthy.sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
      return compareSemver(b.version, a.version);
    })[0] as InstanceDescriptor;
  }
}
