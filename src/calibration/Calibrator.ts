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
 *
 * A surround-view car (the four cameras front, rear, left, right) gets the
 * figures of src/calibration/surroundChecks.ts: each point's residual and each
 * seam's misalignment in cm, through the marks kept from each camera's latest
 * calibration (in memory: after a restart a seam is measured again once both
 * its cameras are calibrated), and a solved mount that opens a gap or a seam
 * wider than SEAM_LIMIT_CM is refused. `apply: false` answers with all of it
 * and changes nothing: what the installer sees before saving.
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
import { calibrationMats, type Mat } from './mat.js';
import { describeGround, GAP_LIMIT_M2, openedGap, residual, SEAM_LIMIT_CM, seams, sightCamera, type Residual, type Seam } from './surroundChecks.js';
import { SURROUND_CAMERAS } from '../wire/overlay.js';

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
  /** The marks cast back to the ground through the solved mount, against the mat: cm. */
  residual: Residual;
  /** Each seam with a neighbouring camera (a surround-view car; otherwise none). */
  seams: Seam[];
  /** False for a preview (`apply: false`): nothing was written or applied. */
  applied: boolean;
  /** Where it was written, or null when the server runs on the built-in defaults (applied in memory only) or for a preview. */
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
  /** The marks of each camera's calibration in force, from this run: what seams are measured on. */
  readonly #marks = new Map<string, readonly MarkedPoint[]>();

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
    // A reloaded file may hold other mounts than the marks were solved into.
    this.#marks.clear();
  }

  /** Whether the four surround cameras are configured: then the corner mats are laid and seams measured. */
  get surround(): boolean {
    return SURROUND_CAMERAS.every((c) => Object.hasOwn(this.#cameras, c));
  }

  /** The car's footprint, which hides ground from the cameras. */
  get vehicle(): Readonly<RevcamConfig['vehicle']> {
    return this.#opts.config.vehicle;
  }

  /** The mats an installer lays for this car (src/calibration/mat.ts). */
  mats(): Mat[] {
    return calibrationMats(this.vehicle, this.surround);
  }

  /** Every camera with its calibration in force. */
  cameras(): Readonly<Record<string, CameraConfig>> {
    return this.#cameras;
  }

  /** Solves, checks and (unless `apply` is false) persists and applies. */
  calibrate(camera: string, points: readonly MarkedPoint[], apply = true): Promise<CalibrationResult> {
    // Calibrations queue one behind the other; a flood of them is refused, not queued without end.
    if (this.#pending >= MAX_PENDING) return Promise.reject(new RevcamError('CAPACITY_EXCEEDED', `${this.#pending} calibrations are already waiting; try again when they are done`));
    this.#pending++;
    const run = this.#queue.then(() => this.#calibrate(camera, points, apply)).finally(() => this.#pending--);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #calibrate(camera: string, points: readonly MarkedPoint[], apply: boolean): Promise<CalibrationResult> {
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
    const { residual: res, seams: seamList } = this.#surroundChecks(camera, current, calibration.mount, points);
    const previousMount = current.calibration.mount;
    const figures = { camera, mount: calibration.mount, previousMount, rmsPx: solved.rmsPx, maxPx: solved.maxPx, errorsPx: solved.errorsPx, residual: res, seams: seamList };
    if (!apply) return { ...figures, applied: false, persisted: null, appliedTo: [] };
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
    this.#cameras[camera] = { ...current, calibration };
    this.#marks.set(camera, points);
    const appliedTo = instances.filter((i) => i.setCalibration(camera, calibration)).map((i) => i.id);
    this.#opts.log.info({ camera, mount: calibration.mount, rmsPx: solved.rmsPx, residualCm: res.rmsCm, seams: seamList, file: persisted?.file ?? null, appliedTo }, 'camera calibrated');
    return { ...figures, applied: true, persisted, appliedTo };
  }

  /** Residual in cm; on a surround-view car the seams and the coverage, refusing a wide seam or an opened gap. */
  #surroundChecks(camera: string, current: CameraConfig, mount: MountConfig, points: readonly MarkedPoint[]): { residual: Residual; seams: Seam[] } {
    const solved = sightCamera(camera, current, mount);
    const res = residual(solved.cam, points);
    if (!this.surround || !(SURROUND_CAMERAS as readonly string[]).includes(camera)) return { residual: res, seams: [] };
    const car = this.vehicle;
    const others = SURROUND_CAMERAS.filter((c) => c !== camera).map((c) => ({ sight: sightCamera(c, this.#cameras[c]!), marks: this.#marks.get(c) }));
    const seamList = seams(solved.cam, points, others, car);
    const wide = seamList.find((s) => s.maxCm !== null && s.maxCm > SEAM_LIMIT_CM);
    if (wide) {
      throw new RevcamError('CALIBRATION_REJECTED', `camera '${camera}': its seam with '${wide.camera}' would be ${wide.maxCm!.toFixed(1)} cm out (the marker at ${describeGround([wide.worst!.lateralM, wide.worst!.behindM], car)} is drawn that far apart by the two cameras; at most ${SEAM_LIMIT_CM} cm): check that the corner mats lie where the layout says and that each handle is on its own marker`);
    }
    const before = [...others.map((o) => o.sight), sightCamera(camera, current)];
    const gap = openedGap(before, [...others.map((o) => o.sight), solved], car);
    if (gap.areaM2 > GAP_LIMIT_M2) {
      throw new RevcamError('CALIBRATION_REJECTED', `camera '${camera}': the solved mount would leave ${gap.areaM2.toFixed(2)} m² of ground within 3 m of the car seen by no camera (nearest ${describeGround(gap.nearest!, car)}; at most ${GAP_LIMIT_M2} m² more than now): check the camera's mounting`);
    }
    return { residual: res, seams: seamList };
  }
}
