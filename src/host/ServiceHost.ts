/**
 * Loads the services the config lists, creates one supervised instance per
 * entry, and starts warm-standby services at boot so reverse gear finds the
 * camera already open. With `serviceHost.spare` it keeps one spare service
 * host booted ahead (spareHost.ts) that the next start of any instance takes.
 */
import { resolve } from 'node:path';
import { stateDirOf } from '../config/loadConfig.js';
import type { CameraConfig, RevcamConfig, ServiceConfig } from '../config/types.js';
import type { ServiceManifest } from '../service/types.js';
import type { Logger } from '../log/logger.js';
import { loadManifest } from '../service/manifest.js';
import { ServiceInstance } from './ServiceInstance.js';
import { discardSpareHost, forkServiceChild, preforkSpareHost, takeSpareHost } from './spareHost.js';

/** A new spare is forked this long after a start settled: never beside a start, on two cores. */
const SPARE_REFILL_DELAY_MS = 300;

/** One instance a config asks for: its id, config entry, loaded manifest and the cameras it gets. */
export interface InstanceSpec {
  id: string;
  service: ServiceConfig;
  manifest: ServiceManifest;
  moduleUrl: string;
  cameras: Record<string, CameraConfig>;
}

export class ServiceHost {
  #instances = new Map<string, ServiceInstance>();
  #spare = false;
  #refillTimer: NodeJS.Timeout | undefined;
  #config!: Readonly<RevcamConfig>;
  #log!: Logger;
  #baseDir: string | undefined;
  #vehicleId: string | undefined;

  /** `vehicleId`: the vehicle these services belong to on a bus (`revcam host --vehicle`); none in the embedded default. */
  static async create(config: RevcamConfig, log: Logger, baseDir?: string, vehicleId?: string): Promise<ServiceHost> {
    const host = new ServiceHost();
    host.#spare = config.serviceHost.spare;
    host.#config = config;
    host.#log = log;
    host.#baseDir = baseDir;
    host.#vehicleId = vehicleId;
    // `revcam serve` may have forked one already (main.ts), before it knew the config.
    if (host.#spare) preforkSpareHost();
    else discardSpareHost();
    for (const spec of await ServiceHost.specs(config, log, baseDir)) host.add(spec);
    return host;
  }

  /**
   * The instances a config asks for, manifests loaded (a live reload loads them before it changes
   * anything). Ids are the manifest's name, then `name#2`, … for a service listed again.
   */
  static async specs(config: Readonly<RevcamConfig>, log: Logger, baseDir?: string): Promise<InstanceSpec[]> {
    const out: InstanceSpec[] = [];
    const taken = new Set<string>();
    for (const service of config.services) {
      const { manifest, moduleUrl } = await loadManifest(service.manifest, baseDir);
      let id = manifest.name;
      for (let n = 2; taken.has(id); n++) id = `${manifest.name}#${n}`;
      taken.add(id);
      out.push({ id, service, manifest, moduleUrl, cameras: ServiceHost.camerasOf(manifest, config, log) });
    }
    return out;
  }

  /** The configured cameras a service gets: those of its manifest, and a viewer service's (the recorder's) recorded ones: their geometry, not a capture. */
  static camerasOf(manifest: ServiceManifest, config: Readonly<RevcamConfig>, log?: Logger): Record<string, CameraConfig> {
    const cameras: Record<string, CameraConfig> = {};
    const recorded = (manifest.records ?? []).map((r) => r.split('/')[1] ?? '');
    for (const id of [...manifest.cameras, ...recorded.filter((c) => !manifest.cameras.includes(c))]) {
      const cam = Object.hasOwn(config.cameras, id) ? config.cameras[id] : undefined;
      if (cam) cameras[id] = cam;
      else log?.warn({ service: manifest.name, camera: id }, 'service names a camera the config does not define; it is not available');
    }
    return cameras;
  }

  /** Creates the instance of a spec (not started). Live reload adds services this way too. */
  add(spec: InstanceSpec): ServiceInstance {
    const { id, manifest } = spec;
    const config = this.#config;
    const spawnChild = () => this.#takeChild(id);
    // A service kind with a config section of its own gets it at init.
    const settings = manifest.kind === 'recorder' ? { ...config.recorder, dir: resolve(stateDirOf(config, this.#baseDir), config.recorder.dir), ...(this.#vehicleId !== undefined && { vehicle: this.#vehicleId }) } : undefined;
    const instance = new ServiceInstance({ id, manifest, moduleUrl: spec.moduleUrl, service: spec.service, cameras: spec.cameras, vehicle: config.vehicle, vehicleId: this.#vehicleId, log: this.#log, spawnChild, ...(settings && { settings }) });
    instance.on('state', (state) => {
      if (state === 'running' || state === 'backoff' || state === 'failed') this.#refillSpare();
    });
    this.#instances.set(id, instance);
    return instance;
  }

  /** Live reload: a service no longer configured is stopped for good and forgotten. */
  async remove(id: string, graceMs = 1000): Promise<void> {
    const instance = this.#instances.get(id);
    if (!instance) return;
    this.#instances.delete(id);
    await instance.shutdown(graceMs);
  }

  /** Live reload: the config new instances are made from (the vehicle, the recorder's settings). */
  useConfig(config: Readonly<RevcamConfig>): void {
    this.#config = config;
  }

  /** The spare if one waits, else a fresh fork. */
  #takeChild(id: string) {
    const spare = this.#spare ? takeSpareHost() : undefined;
    return spare ?? forkServiceChild({ env: { REVCAM_SERVICE: id } });
  }

  /** Forks the next spare once the start that took the last one has settled. */
  #refillSpare(): void {
    if (!this.#spare || this.#refillTimer) return;
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      if (!this.#spare) return;
      // Not beside a start in progress: try again once it has settled.
      if (this.instances().some((i) => i.state === 'starting')) return this.#refillSpare();
      preforkSpareHost();
    }, SPARE_REFILL_DELAY_MS);
    this.#refillTimer.unref();
  }

  get(id: string): ServiceInstance | undefined {
    return this.#instances.get(id);
  }

  instances(): ServiceInstance[] {
    return [...this.#instances.values()];
  }

  /** Cameras of an instance that the config actually defines. */
  static availableCameras(instance: ServiceInstance, config: RevcamConfig): string[] {
    return instance.manifest.cameras.filter((c) => c in config.cameras);
  }

  /** Stops every service; a child that ignores `stop` is killed after graceMs (shutdown must end within 2 s). */
  async stopAll(graceMs = 1000): Promise<void> {
    this.#spare = false;
    clearTimeout(this.#refillTimer);
    discardSpareHost();
    await Promise.all(this.instances().map((i) => i.shutdown(graceMs)));
  }
}
