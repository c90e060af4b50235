import type { CalibrationConfig, CameraConfig, CanSignalMapping, NatsTlsConfig, RevcamConfig, RolePolicy, RoleRights, ServiceConfig, TlsConfig } from './types.js';
import { VSS } from '../wire/signals.js';

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
  guidelines: true,
  calibration: DEFAULT_CALIBRATION,
  h264: { bitrateKbps: 2500, keyframeIntervalFrames: 30, preset: 'ultrafast', spareEncoder: true },
  rtspTransport: 'tcp',
  v4l2: { inputFormat: 'auto' },
  stallTimeoutMs: 3000,
  // The rear camera's bumper fills its bottom 9.5 % (72 of 720 rows, rearScene.ts) and a margin.
  surround: { maxAngleDeg: 85, bodyRows: 80 },
  synthetic: { calibrationMat: false, trueMount: null, exposure: 1, whiteBalance: [1, 1, 1] },
};

/**
 * The lens of a surround camera (front and door mirrors): 640x360 and about
 * 190 degrees across (fx 190: the image's half width is 1.68 rad of the
 * fisheye's θd), as surround-view cameras are, so each sees the ground from
 * its own bumper or door out to the corners, where its neighbour takes over.
 */
const SURROUND_LENS = { ...DEFAULT_CALIBRATION, fx: 190, fy: 190, cx: 320, cy: 180 };

/**
 * What the front and door-mirror cameras share: 640x360 at 15 fps (a sixth of
 * the rear camera's pixels per second), read as the camera sees (not like a
 * mirror), no guidelines, no idle encoder kept (the displays ask them for
 * JPEG; the rear camera's spare is what reverse needs), 85 degrees of the
 * picture usable by the surround view.
 */
const SURROUND_CAMERA = {
  ...DEFAULT_CAMERA,
  width: 640,
  height: 360,
  fps: 15,
  mirror: false,
  guidelines: false,
  h264: { ...DEFAULT_CAMERA.h264, spareEncoder: false },
  surround: { maxAngleDeg: 85, bodyRows: 0 },
} satisfies CameraConfig;

/**
 * A door-mirror camera, as a surround-view car has one under each mirror: a
 * 640x360 fisheye of about 190 degrees, 1 m up, 2.6 m ahead of the rear
 * bumper and just outside the body, looking sideways and 65 degrees down, so
 * it sees the whole side of the car from the rear corner to the front one,
 * the kerb, the neighbouring bay's line and what stands beside the car. Its sensor
 * meters its own scene: exposure and white balance differ from its neighbours',
 * as on a real car (the surround view evens them out).
 */
export function sideCamera(side: 'left' | 'right'): CameraConfig {
  const sign = side === 'left' ? -1 : 1;
  return {
    ...SURROUND_CAMERA,
    scene: 'side',
    synthetic: side === 'left'
      ? { ...DEFAULT_CAMERA.synthetic, exposure: 0.85, whiteBalance: [0.95, 1, 1.08] }
      : { ...DEFAULT_CAMERA.synthetic, exposure: 1.1, whiteBalance: [1.04, 1, 0.97] },
    calibration: {
      ...SURROUND_LENS,
      // Positive yaw turns the view to the vehicle's left (src/wire/camera.ts).
      mount: { heightM: 1.0, pitchDeg: 65, yawDeg: -sign * 90, rollDeg: 0, lateralM: sign * 1.0, longitudinalM: -2.6 },
    },
  };
}

/**
 * The front camera of a surround-view car: in the grille, 0.7 m up at the
 * front bumper (`vehicle.lengthM` ahead of the rear one), looking forward and
 * 40 degrees down; the same lens as the door-mirror cameras, a warmer white
 * balance and a brighter exposure than the rear camera.
 */
export function frontCamera(vehicleLengthM: number): CameraConfig {
  return {
    ...SURROUND_CAMERA,
    scene: 'front',
    synthetic: { ...DEFAULT_CAMERA.synthetic, exposure: 1.15, whiteBalance: [1.06, 1, 0.9] },
    // Yaw 180: the camera frame's "rearward" optical axis turned to face forward.
    calibration: { ...SURROUND_LENS, mount: { heightM: 0.7, pitchDeg: 40, yawDeg: 180, rollDeg: 0, lateralM: 0, longitudinalM: -vehicleLengthM } },
  };
}

/** A typical mid-size car. */
export const DEFAULT_VEHICLE = { widthM: 1.85, lengthM: 4.6, wheelbaseM: 2.75, trackM: 1.58, rearOverhangM: 1.0, steeringRatio: 15.5 } as const;

/** What every service entry starts from before its own fields are merged in. */
export const DEFAULT_SERVICE: Omit<ServiceConfig, 'manifest'> = {
  standby: 'cold',
  idleStopMs: 10_000,
  restart: { initialDelayMs: 100, maxDelayMs: 5_000 },
};

/** How examples/can/revcam.dbc's signals become VSS paths (docs/signals.md). */
export const DEFAULT_CAN_MAP: CanSignalMapping[] = [
  { signal: 'TRANS_Status.SelectedGear', path: VSS.selectedGear, scale: 1 },
  { signal: 'TRANS_Status.CurrentGear', path: VSS.gear, scale: 1 },
  { signal: 'STEER_Angle.SteeringWheelAngle', path: VSS.steeringWheelAngle, scale: 1 },
  { signal: 'VEH_Speed.VehicleSpeed', path: VSS.speed, scale: 1 },
  { signal: 'PDC_Rear.OuterLeftDistance', path: VSS.rearSensor.outerLeft, scale: 0.01 },
  { signal: 'PDC_Rear.InnerLeftDistance', path: VSS.rearSensor.innerLeft, scale: 0.01 },
  { signal: 'PDC_Rear.InnerRightDistance', path: VSS.rearSensor.innerRight, scale: 0.01 },
  { signal: 'PDC_Rear.OuterRightDistance', path: VSS.rearSensor.outerRight, scale: 0.01 },
];

/**
 * What a given `server.tls` object starts from: `server.tls` is null (plain HTTP) by default, so an
 * object in a file is not merged over anything; `{ certFile, keyFile }` is plain HTTPS.
 */
export const DEFAULT_SERVER_TLS: Omit<TlsConfig, 'certFile' | 'keyFile'> = { caFile: null, requestClientCert: false };

/** What a given `nats.tls` object starts from (null by default: no TLS to the server). */
export const DEFAULT_NATS_TLS: NatsTlsConfig = { caFile: null, certFile: null, keyFile: null };

/** What a given role `policy` object starts from: a condition not named is not required. */
export const DEFAULT_POLICY: RolePolicy = { parked: false, consent: false };

/** What each `signals.can.map` entry starts from. */
export const DEFAULT_CAN_MAPPING: Omit<CanSignalMapping, 'signal' | 'path'> = { scale: 1 };

/** A role named in a config starts from no rights at all: everything it may do is said. */
export const DEFAULT_ROLE: RoleRights = {
  stream: { services: [], cameras: [], vehicles: [] },
  readSignals: false,
  writeSignals: false,
  calibrate: false,
  reviewEvents: false,
  record: false,
  admin: false,
  priority: 0,
  policy: null,
};

const ANY = { services: ['*'], cameras: ['*'], vehicles: ['*'] };

/**
 * The built-in roles (docs/security.md). Displays in the car stream and read
 * signals; only a `controller` (or the loopback demo, `local`) writes them;
 * phones and remote viewers stream only while the car is parked and the owner
 * consents; `admin` sees metrics, services and sessions.
 */
export const DEFAULT_ROLES: Record<string, RoleRights> = {
  // The driver's screen reviews and saves clips (the recorder, docs/recorder.md).
  'head-unit': { ...DEFAULT_ROLE, stream: ANY, readSignals: true, reviewEvents: true, record: true, priority: 100 },
  cluster: { ...DEFAULT_ROLE, stream: ANY, readSignals: true, priority: 90 },
  probe: { ...DEFAULT_ROLE, stream: ANY, readSignals: true, priority: 50 },
  phone: { ...DEFAULT_ROLE, stream: ANY, readSignals: true, reviewEvents: true, priority: 20, policy: { parked: true, consent: true } },
  remote: { ...DEFAULT_ROLE, stream: ANY, reviewEvents: true, priority: 10, policy: { parked: true, consent: true } },
  // Streams nothing, so its signal writes name their vehicles themselves: any (narrow it in a fleet's config).
  controller: { ...DEFAULT_ROLE, vehicles: ['*'], readSignals: true, writeSignals: true, priority: 0 },
  admin: { ...DEFAULT_ROLE, vehicles: ['*'], readSignals: true, reviewEvents: true, record: true, admin: true, priority: 0 },
  local: { stream: ANY, readSignals: true, writeSignals: true, calibrate: true, reviewEvents: true, record: true, admin: true, priority: 100, policy: null },
};

/**
 * The embedded default: synthetic rear, front, left and right (door-mirror: the four of a surround view) and
 * cabin cameras, no broker, loopback only. A camera renders and encodes only while someone watches it.
 */
export const DEFAULT_CONFIG: RevcamConfig = {
  server: { host: '127.0.0.1', port: 8080, tls: null, allowedOrigins: [], trustProxy: [] },
  auth: { anonymousLoopback: true, devices: [], roles: DEFAULT_ROLES },
  limits: {
    maxViewers: 512,
    maxViewersPerDevice: 16,
    maxViewersPerStream: 400,
    maxConnectionsPerAddress: 512,
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 5_000,
  },
  stream: { viewerQueueFrames: 2, viewerMaxBufferedBytes: 1024 * 1024 }, // docs/protocol.md §6.2 "The bound"
  display: { maxFrameAgeMs: 200 },
  cameras: {
    rear: DEFAULT_CAMERA,
    front: frontCamera(DEFAULT_VEHICLE.lengthM),
    left: sideCamera('left'),
    right: sideCamera('right'),
    cabin: {
      ...DEFAULT_CAMERA,
      width: 640,
      height: 360,
      fps: 15,
      mirror: false,
      scene: 'cabin',
      guidelines: false,
      surround: { maxAngleDeg: 85, bodyRows: 0 },
      calibration: { ...DEFAULT_CALIBRATION, fx: 280, fy: 280, cx: 320, cy: 180 },
    },
  },
  services: [
    { ...DEFAULT_SERVICE, manifest: 'builtin:reversing', standby: 'warm' },
    { ...DEFAULT_SERVICE, manifest: 'builtin:cabin' },
    // Started a second after boot (src/app/RecordsFeed.ts), then supervised like the others.
    { ...DEFAULT_SERVICE, manifest: 'builtin:recorder' },
  ],
  serviceHost: { spare: true },
  vehicle: { ...DEFAULT_VEHICLE },
  reverse: { service: 'reversing', camera: 'rear', codec: 'jpeg', holdMs: 4000, exitSpeedKmh: 10 },
  signals: {
    source: 'simulator',
    staleAfterMs: 500,
    drive: null,
    simulator: { republishMs: 100, initialGear: 'R' },
    can: {
      dbc: 'examples/can/revcam.dbc',
      log: 'examples/can/reverse-park.log',
      interface: null,
      loop: true,
      speed: 1,
      map: DEFAULT_CAN_MAP,
    },
  },
  nats: {
    url: null,
    user: null,
    pass: null,
    token: null,
    nkeySeedFile: null,
    credsFile: null,
    tls: null,
    evidence: { ship: true, streamPrefix: 'REVCAM_EVIDENCE_', replicas: 1, maxBytes: -1, chunkBytes: 256 * 1024, pollMs: 2_000, duplicateWindowMs: 10 * 60_000, domain: null, cacheBytes: 512 * 1024 ** 2 },
  },
  recorder: {
    dir: 'recordings',
    preSeconds: 10,
    postSeconds: 10,
    maxSeconds: 60,
    maxBytes: 2 * 1024 ** 3,
    minFreeBytes: 512 * 1024 ** 2,
    triggers: { sensorBelowM: 0.3, decelerationMps2: 4, impact: true, manoeuvre: false },
  },
  log: { level: 'info' },
  // Replaced by $STATE_DIRECTORY under systemd when the file names none (loadConfig).
  stateDir: './state',
};
