/**
 * Loads the services the config lists, creates one supervised instance per
 * entry, and starts warm-standby services at boot so reverse gear finds the
 * camera already open. With `serviceHost.spare` it keeps one spare service
 * host booted ahead (spareHost.ts) that the next start of any instance takes.
 */
import { resolve } from 'node:path';
import { stateDirOf } from '../config/loadConfig.js';
import type { CameraConfig, RevcamConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { loadManifest } from '../service/manifest.js';
import { ServiceInstance } from './ServiceInstance.js';
import { discardSpareHost, forkServiceChild, preforkSpareHost, takeSpareHost } from './spareHost.js';

/** A new spare is forked this long after a start settled: never beside a start, on two cores. */
const SPARE_REFILL_DELAY_MS = 300;

export class ServiceHost {
  #instances = new Map<string, ServiceInstance>();
  #spare = false;
  #refillTimer: NodeJS.Timeout | undefined;

  /** `vehicleId`: the vehicle these services belong to on a bus (`revcam host --vehicle`); none in the embedded default. */
  static async create(config: RevcamConfig, log: Logger, baseDir?: string, vehicleId?: string): Promise<ServiceHost> {
    const host = new ServiceHost();
    host.#spare = config.serviceHost.spare;
    // `revcam serve` may have forked one already (main.ts), before it knew the config.
    if (host.#spare) preforkSpareHost();
    else discardSpareHost();
    for (const service of config.services) {
      const { manifest, moduleUrl } = await loadManifest(service.manifest, baseDir);
      const cameras: Record<string, CameraConfig> = {};
      // A viewer service (the recorder) gets the cameras it records too: their geometry, not a capture.
      const recorded = (manifest.records ?? []).map((r) => r.split('/')[1] ?? '');
      for (const id of [...manifest.cameras, ...recorded.filter((c) => !manifest.cameras.includes(c))]) {
        const cam = config.cameras[id];
        if (cam) cameras[id] = cam;
        else log.warn({ service: manifest.name, camera: id }, 'service names a camera the config does not define; it is not available');
      }
      let id = manifest.name;
      for (let n = 2; host.#instances.has(id); n++) id = `${manifest.name}#${n}`;
      const instanceId = id;
      const spawnChild = () => host.#takeChild(instanceId);
      // A service kind with a config section of its own gets it at init.
      const settings = manifest.kind === 'recorder' ? { ...config.recorder, dir: resolve(stateDirOf(config, baseDir), config.recorder.dir), ...(vehicleId !== undefined && { vehicle: vehicleId }) } : undefined;
      const instance = new ServiceInstance({ id, manifest, moduleUrl, service, cameras, vehicle: config.vehicle, vehicleId, log, spawnChild, ...(settings && { settings }) });
      instance.on('state', (state) => {
        if (state === 'running' || state === 'backoff' || state === 'failed') host.#refillSpare();
      });
      host.#instances.set(id, instance);
    }
    return host;
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
