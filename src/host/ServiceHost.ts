/**
 * Loads the services the config lists, creates one supervised instance per
 * entry, and starts warm-standby services at boot so reverse gear finds the
 * camera already open.
 */
import type { CameraConfig, RevcamConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { loadManifest } from '../service/manifest.js';
import { ServiceInstance } from './ServiceInstance.js';

export class ServiceHost {
  #instances = new Map<string, ServiceInstance>();

  /** `vehicleId`: the vehicle these services belong to on a bus (`revcam host --vehicle`); none in the embedded default. */
  static async create(config: RevcamConfig, log: Logger, baseDir?: string, vehicleId?: string): Promise<ServiceHost> {
    const host = new ServiceHost();
    for (const service of config.services) {
      const { manifest, moduleUrl } = await loadManifest(service.manifest, baseDir);
      const cameras: Record<string, CameraConfig> = {};
      for (const id of manifest.cameras) {
        const cam = config.cameras[id];
        if (cam) cameras[id] = cam;
        else log.warn({ service: manifest.name, camera: id }, 'service names a camera the config does not define; it is not available');
      }
      let id = manifest.name;
      for (let n = 2; host.#instances.has(id); n++) id = `${manifest.name}#${n}`;
      host.#instances.set(id, new ServiceInstance({ id, manifest, moduleUrl, service, cameras, vehicle: config.vehicle, vehicleId, log }));
    }
    return host;
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
    await Promise.all(this.instances().map((i) => i.stop(graceMs)));
  }
}
