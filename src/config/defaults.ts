import type { CalibrationConfig, CameraConfig, RevcamConfig, ServiceConfig } from './types.js';

/**
 * A typical mid-size car's rear camera: 1280x720 fisheye, mounted 1 m high
 * at the bumper, tilted 30 degrees down.
 */
export const DEFAULT_CALIBRATION: CalibrationConfig = {
  model: 'fisheye',
  fx: 560,
  fy: 560,
  cx: 640,
  cy: 360,
  k: [-0.03, 0.004, 0, 0],
  mount: { heightM: 1.0, pitchDeg: 30, yawDeg: 0, rollDeg: 0, lateralM: 0, longitudinalM: 0 },
};

/** What every camera entry starts from before its own fields are merged in. */
export const DEFAULT_CAMERA: CameraConfig = {
  source: 'synthetic',
  width: 1280,
  height: 720,
  fps: 30,
  jpegQuality: 75,
  mirror: true,
  scene: 'rear',
  calibration: DEFAULT_CALIBRATION,
};

/** What every service entry starts from before its own fields are merged in. */
export const DEFAULT_SERVICE: Omit<ServiceConfig, 'manifest'> = {
  standby: 'cold',
  idleStopMs: 10_000,
  restart: { initialDelayMs: 100, maxDelayMs: 5_000 },
};

/** The embedded default: synthetic rear and cabin cameras, no broker, loopback only. */
export const DEFAULT_CONFIG: RevcamConfig = {
  server: { host: '127.0.0.1', port: 8080 },
  auth: { anonymousLoopback: true, devices: [] },
  stream: { viewerQueueFrames: 2, viewerMaxBufferedBytes: 4 * 1024 * 1024 },
  cameras: {
    rear: DEFAULT_CAMERA,
    cabin: {
      ...DEFAULT_CAMERA,
      width: 640,
      height: 360,
      fps: 15,
      mirror: false,
      scene: 'cabin',
      calibration: { ...DEFAULT_CALIBRATION, fx: 280, fy: 280, cx: 320, cy: 180 },
    },
  },
  services: [
    { ...DEFAULT_SERVICE, manifest: 'builtin:reversing', standby: 'warm' },
    { ...DEFAULT_SERVICE, manifest: 'builtin:cabin' },
  ],
  vehicle: { widthM: 1.85, wheelbaseM: 2.75, trackM: 1.58, rearOverhangM: 1.0, steeringRatio: 15.5 },
  reverse: { service: 'reversing', camera: 'rear', codec: 'jpeg', holdMs: 4000, exitSpeedKmh: 10 },
  log: { level: 'info' },
};
