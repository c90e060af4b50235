/**
 * Installer calibration on the running server: solves a camera's mount from
 * marked points, checks the new calibration against the config schema,
 * persists it to the config file the server runs from (atomically, with a
 * backup) and hands it to the running services, whose guidelines move on
 * their next frame. Started from the built-in defaults (no file), the result
 * is applied in memory only and the answer says so.
 *
 * One calibration at a time: two installers posting at once are served one
 * after the other, so the file is never written twice concurrently.
 */
import type { CalibrationConfig, CameraConfig, MountConfig, RevcamConfig } from '../config/types.js';
import { calibrationSchema } from '../config/schema.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { Logger } from '../log/logger.js';
import { writeMountToConfigFile } from './configFile.js';
import { solveMountInWorker } from './solveInWorker.js';
import { CalibrationRejected } from './CalibrationRejected.js';
import { lazyValidator } from '../schema/lazyValidator.js';
import type { MarkedPoint } from './solveMount.js';

/** Compiled with the first calibration, not when the gateway starts (docs/performance.md, case 10). */
const validCalibration = lazyValidator<CalibrationConfig>(calibrationSchema, { allErrors: true });

export interface CalibratorOptions {
  config: Readonly<RevcamConfig>;
  host: ServiceHost;
  /** The config file the server was started from; undefined with the built-in defaults. */
  configFile?: string | undefined;
  log: Logger;
}

export interface CalibrationResult {
  camera: string;
  mount: MountConfig;
  previousMount: MountConfig;
  rmsPx: number;
  maxPx: number;
  errorsPx: number[];
  /** Where it was written, or null when the server runs on the built-in defaults (applied in memory only). */
  persisted: { file: string; backup: string } | null;
  /** Service instances that took the new calibration live. */
  appliedTo: string[];
}

/** Millimetre-and-millidegree precision is far finer than any mount is known to; the file stays readable. */
function rounded(m: MountConfig): MountConfig {
  const r = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d + 0;
  return { heightM: r(m.heightM, 4), pitchDeg: r(m.pitchDeg, 3), yawDeg: r(m.yawDeg, 3), rollDeg: r(m.rollDeg, 3), lateralM: r(m.lateralM, 4), longitudinalM: m.longitudinalM };
}

/** Calibrations running or waiting at most; more are CAPACITY_EXCEEDED. */
export const MAX_PENDING = 4;

export class Calibrator {
  readonly #opts: CalibratorOptions;
  /** The cameras as they are now: the config's, with each camera's latest solved calibration. */
  #cameras: Record<string, CameraConfig>;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;

  constructor(opts: CalibratorOptions) {
    this.#opts = opts;
    this.#cameras = { ...opts.config.cameras };
  }

  get configFile(): string | undefined {
    return this.#opts.configFile;
  }

  /** Live reload: the cameras of the new config, their calibrations as the file now says. */
  useCameras(cameras: Readonly<Record<string, CameraConfig>>): void {
    this.#cameras = { ...cameras };
  }

  /** Every camera with its calibration in force. */
  cameras(): Readonly<Record<string, CameraConfig>> {
    return this.#cameras;
  }

  calibrate(camera: string, points: readonly MarkedPoint[]): Promise<CalibrationResult> {
    // Calibrations queue one behind the other; a flood of them is refused, not queued without end.
    if (this.#pending >= MAX_PENDING) return Promise.reject(new RevcamError('CAPACITY_EXCEEDED', `${this.#pending} calibrations are already waiting; try again when they are done`));
    this.#pending++;
    const run = this.#queue.then(() => this.#calibrate(camera, points)).finally(() => this.#pending--);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #calibrate(camera: string, points: readonly MarkedPoint[]): Promise<CalibrationResult> {
    const current = Object.hasOwn(this.#cameras, camera) ? this.#cameras[camera] : undefined;
    if (!current) throw new RevcamError('CAMERA_NOT_AVAILABLE', `no camera '${camera}' (cameras: ${Object.keys(this.#cameras).join(', ')})`);
    const instances = this.#opts.host.instances().filter((i) => Object.hasOwn(i.cameraInfo, camera));
    if (instances.length === 0) throw new RevcamError('CAMERA_NOT_AVAILABLE', `no service on this host uses camera '${camera}'; calibrate it on the host that runs it`);
    const image = { width: current.width, height: current.height, mirror: current.mirror };
    let solved;
    try {
      solved = await solveMountInWorker(current.calibration, image, points);
    } catch (err) {
      if (err instanceof CalibrationRejected) throw new RevcamError('CALIBRATION_REJECTED', `camera '${camera}': ${err.reason}`);
      throw err;
    }
    const calibration: CalibrationConfig = { ...current.calibration, mount: rounded(solved.mount) };
    if (!validCalibration(calibration)) {
      const e = validCalibration.errors?.[0];
      throw new RevcamError('CALIBRATION_REJECTED', `camera '${camera}': the solved calibration breaks the config schema at ${e?.instancePath || '/'}: ${e?.message ?? ''}`);
    }
    const file = this.#opts.configFile;
    let persisted: CalibrationResult['persisted'] = null;
    if (file !== undefined) {
      try {
        persisted = await writeMountToConfigFile(file, camera, calibration.mount, this.#cameras);
      } catch (err) {
        this.#opts.log.error({ err, file, camera }, 'calibration not written; nothing applied');
        throw new RevcamError('INTERNAL', 'the new calibration could not be written to the config file; nothing was changed', { cause: err });
      }
    }
    const previousMount = current.calibration.mount;
    this.#cameras[camera] = { ...current, calibration };
    const appliedTo = instances.filter((i) => i.setCalibration(camera, calibration)).map((i) => i.id);
    this.#opts.log.info({ camera, mount: calibration.mount, rmsPx: solved.rmsPx, file: persisted?.file ?? null, appliedTo }, 'camera calibrated');
    return { camera, mount: calibration.mount, previousMount, rmsPx: solved.rmsPx, maxPx: solved.maxPx, errorsPx: solved.errorsPx, persisted, appliedTo };
  }
}
