/**
 * The reversing service: the rear camera's video with the parking guidelines
 * as overlay metadata: static distance bands and rails, the trajectory for
 * the current steering angle, parking-sensor arcs and the driver notices
 * (guidelineOverlay.ts). A new overlay rides on the next frame whenever the
 * signals change it, or when a signal goes stale without any new sample.
 */
import type { CalibrationConfig, CameraConfig, VehicleConfig } from '../../config/types.js';
import type { OpenedCamera, ServiceContext, ServiceFactory, ServiceLogic } from '../../service/types.js';
import type { CodecName } from '../../wire/frame.js';
import type { SignalSample } from '../../wire/signals.js';
import { SURROUND_CAMERAS, type Overlay } from '../../wire/overlay.js';
import { prewarmSources } from '../../source/createSource.js';
import { CameraSessions, type CameraSessionsOptions } from './cameraSessions.js';
import { GuidelineSignals, guidelineOverlay, inputsKey, type GuidelineInputs } from './guidelineOverlay.js';

export interface ReversingOptions {
  /** Microseconds since the Unix epoch, the clock sample timestamps use; injectable for tests. */
  nowUs?: () => number;
  /** How often staleness is re-checked when no sample arrives, ms. */
  checkEveryMs?: number;
  createSource?: CameraSessionsOptions['createSource'];
}

export class ReversingService implements ServiceLogic {
  readonly #ctx: ServiceContext;
  readonly #sessions: CameraSessions;
  readonly #signals = new GuidelineSignals();
  readonly #nowUs: () => number;
  readonly #timer: ReturnType<typeof setInterval>;
  #inputs: GuidelineInputs;
  #key: string;
  /** Installer calibrations in force, by camera config: the guidelines are drawn through these. */
  readonly #calibrated = new WeakMap<CameraConfig, CameraConfig>();

  constructor(ctx: ServiceContext, opts: ReversingOptions = {}) {
    this.#ctx = ctx;
    this.#nowUs = opts.nowUs ?? (() => Date.now() * 1000);
    this.#inputs = this.#signals.inputs(this.#nowUs());
    this.#key = inputsKey(this.#inputs);
    this.#sessions = new CameraSessions(ctx, {
      overlayFor: (camera, vehicle) => this.#overlay(camera, vehicle),
      ...(opts.createSource ? { createSource: opts.createSource } : {}),
    });
    this.#timer = setInterval(() => this.#refresh(), opts.checkEveryMs ?? 100);
    this.#timer.unref?.();
    // Reverse gear must not wait for the synthetic background to be drawn, nor for a camera's input to be probed.
    prewarmSources(ctx.cameras, ctx.vehicle);
  }

  openCamera(camera: string, codec: CodecName): Promise<OpenedCamera> {
    this.#refresh();
    return this.#sessions.openCamera(camera, codec);
  }

  closeCamera(camera: string, codec: CodecName): Promise<void> {
    return this.#sessions.closeCamera(camera, codec);
  }

  stop(): Promise<void> {
    clearInterval(this.#timer);
    return this.#sessions.stop();
  }

  onSignals(samples: SignalSample[]): void {
    this.#signals.update(samples);
    this.#refresh();
  }

  /** A live reload: the guidelines are drawn from the new cameras and vehicle at once. */
  onSettings(): void {
    for (const [id, camera] of Object.entries(this.#ctx.cameras)) {
      this.#sessions.setOverlay(id, this.#overlay(camera, this.#ctx.vehicle));
    }
  }

  /** The guidelines move at once: a new overlay rides on the camera's next frame. */
  onCalibration(camera: string, calibration: CalibrationConfig): void {
    const config = Object.hasOwn(this.#ctx.cameras, camera) ? this.#ctx.cameras[camera] : undefined;
    if (!config) return;
    this.#calibrated.set(config, { ...config, calibration });
    this.#sessions.setOverlay(camera, this.#overlay(config, this.#ctx.vehicle));
  }

  /** The camera as the guidelines see it: its latest installer calibration, else the configured one. */
  #geometry(camera: CameraConfig): CameraConfig {
    return this.#calibrated.get(camera) ?? camera;
  }

  /** A camera's overlay; with the four surround cameras a near obstacle recommends the surround view. */
  #overlay(camera: CameraConfig, vehicle: VehicleConfig, inputs = this.#inputs): Overlay {
    const surround = SURROUND_CAMERAS.every((id) => Object.hasOwn(this.#ctx.cameras, id));
    return guidelineOverlay(this.#geometry(camera), vehicle, inputs, surround);
  }

  /** The inputs the overlay in force was computed from. */
  get inputs(): GuidelineInputs {
    return this.#inputs;
  }

  /** Recomputes the inputs; hands every camera a new overlay only when they changed. */
  #refresh(): void {
    const inputs = this.#signals.inputs(this.#nowUs());
    const key = inputsKey(inputs);
    if (key === this.#key) return;
    this.#key = key;
    this.#inputs = inputs;
    // setOverlay ignores cameras that are not open; an opening camera asks overlayFor.
    for (const [id, camera] of Object.entries(this.#ctx.cameras)) {
      this.#sessions.setOverlay(id, this.#overlay(camera, this.#ctx.vehicle, inputs));
    }
  }
}

const reversing: ServiceFactory = (ctx) => new ReversingService(ctx);

export default reversing;
