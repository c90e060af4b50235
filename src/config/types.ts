/** The validated, frozen configuration. Field docs live in examples/revcam.yaml. */

export interface MountConfig {
  /** Camera height above the ground, metres. */
  heightM: number;
  /** Downward tilt of the optical axis from horizontal, degrees. */
  pitchDeg: number;
  /** Rotation about the vertical axis, degrees (positive turns the view to the vehicle's left). */
  yawDeg: number;
  /** Rotation about the optical axis, degrees. */
  rollDeg: number;
  /** Lateral offset from the vehicle centreline, metres (positive = vehicle right). */
  lateralM: number;
  /** Longitudinal offset from the rear bumper, metres (positive = behind the bumper). */
  longitudinalM: number;
}

export interface CalibrationConfig {
  /** `fisheye` is the Kannala-Brandt / OpenCV fisheye model; `pinhole` uses no distortion. */
  model: 'pinhole' | 'fisheye';
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Fisheye coefficients k1..k4 (ignored for pinhole). */
  k: [number, number, number, number];
  mount: MountConfig;
}

export interface CameraConfig {
  /** `synthetic` renders a scene; real sources come later (v4l2:, rtsp://, file:). */
  source: string;
  width: number;
  height: number;
  fps: number;
  /** JPEG quality, 1-100. */
  jpegQuality: number;
  /** Rear cameras show a mirror image, as an interior mirror does. */
  mirror: boolean;
  /** What the synthetic source renders. */
  scene: 'rear' | 'cabin';
  calibration: CalibrationConfig;
}

export interface VehicleConfig {
  widthM: number;
  wheelbaseM: number;
  trackM: number;
  rearOverhangM: number;
  steeringRatio: number;
}

export interface ServiceConfig {
  /** `builtin:<name>` or a path to a manifest (.json) or a module exporting `manifest`. */
  manifest: string;
  /**
   * `cold`: started on the first request, stopped idleStopMs after the last viewer.
   * `warm`: the process runs from boot; cameras open on demand (reverse gear or a request).
   * `hot`: the process runs and its cameras capture from boot, so the first frame is already there.
   */
  standby: 'cold' | 'warm' | 'hot';
  /** Stop a cold service this long after its last viewer leaves. */
  idleStopMs: number;
  restart: { initialDelayMs: number; maxDelayMs: number };
}

export interface DeviceConfig {
  id: string;
  token: string;
  role: 'head-unit' | 'cluster' | 'phone' | 'remote' | 'probe';
}

export interface ReverseConfig {
  /** The stream a display shows when reverse is engaged. */
  service: string;
  camera: string;
  codec: 'jpeg' | 'h264';
  /** Keep the rear view this long after leaving reverse... */
  holdMs: number;
  /** ...unless forward speed passes this first (km/h). */
  exitSpeedKmh: number;
}

export interface RevcamConfig {
  server: { host: string; port: number };
  auth: {
    /** Let clients on 127.0.0.1/::1 in without a token (the embedded demo). */
    anonymousLoopback: boolean;
    devices: DeviceConfig[];
  };
  stream: {
    /** Frames a viewer may have queued (in flight + pending) before the oldest is dropped. */
    viewerQueueFrames: number;
    /** A viewer's socket buffer above this many bytes counts as backed up. */
    viewerMaxBufferedBytes: number;
  };
  cameras: Record<string, CameraConfig>;
  services: ServiceConfig[];
  vehicle: VehicleConfig;
  reverse: ReverseConfig;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}
