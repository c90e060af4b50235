/**
 * The validated, frozen configuration. Every field has a default (src/config/defaults.ts), so a file names
 * only what it changes; examples/revcam.yaml lists every field with its default, and docs/config.md says
 * how a file is merged and which few fields are required (a device's id and role, a service's manifest,
 * `server.tls`'s certFile and keyFile, a CAN mapping's signal and path).
 */

// The camera model's shape is the wire module's, shared with the display: one definition.
import type { CameraCalibration, CameraMount } from '../wire/camera.js';

export type MountConfig = CameraMount;
export type CalibrationConfig = CameraCalibration;

export interface CameraConfig {
  /** `synthetic`, `v4l2:/dev/videoN`, `rtsp://…` or `file:PATH` (docs/sources.md). */
  source: string;
  width: number;
  height: number;
  fps: number;
  /** JPEG quality, 1-100. */
  jpegQuality: number;
  /** Rear cameras show a mirror image, as an interior mirror does. */
  mirror: boolean;
  /**
   * What the synthetic source renders: `rear` the parking lot with the car's bumper along the
   * bottom edge, `side` the same parking lot from a door-mirror camera (no bumper in frame),
   * `front` the same parking lot from the front bumper (no bumper in frame either),
   * `cabin` the interior. The parking lot is seen from `calibration.mount`, so each camera's
   * picture follows its own pose.
   */
  scene: 'rear' | 'side' | 'front' | 'cabin';
  /** Draw the reversing guidelines (bands, trajectory, sensor arcs) in this camera's picture: a rear camera does, a side camera does not. */
  guidelines: boolean;
  calibration: CalibrationConfig;
  /** The H.264 encoder, used where a camera's picture has to be encoded to H.264 (docs/sources.md). */
  h264: H264EncoderConfig;
  /** How an `rtsp://` source is pulled: interleaved in the TCP session, or RTP over UDP. */
  rtspTransport: 'tcp' | 'udp';
  v4l2: {
    /** The pixel format asked of a `v4l2:` device: `mjpeg`/`h264` pass through, others are encoded; `auto` takes the driver's default. */
    inputFormat: string;
  };
  /** No frame from a real source for this long means it is lost: viewers are told and the source is restarted. */
  stallTimeoutMs: number;
  /** What of this camera's picture the display's surround view may use (docs/display.md, "Surround view"). */
  surround: SurroundUseConfig;
  /** What the synthetic source adds for installer calibration (docs/calibration.md). */
  synthetic: SyntheticCameraConfig;
}

export interface SurroundUseConfig {
  /**
   * Rays further off the optical axis than this are not used: a fisheye's rim is blurred and dark. Overlaps
   * are blended by each camera's angular distance to this edge (or to the image's, whichever is nearer).
   */
  maxAngleDeg: number;
  /** Image rows at the bottom that show the car's own body (a rear camera's bumper): never used. */
  bodyRows: number;
}

export interface SyntheticCameraConfig {
  /**
   * Lay calibration mats (src/calibration/mat.ts) on the ground: `true` the rear mat, `'surround'` every mat of
   * a surround-view car (the rear, corner and side mats); the moving block (and with `'surround'` the cone and
   * the bollard, which stand where corner mats lie) is left out so it never covers a marker.
   */
  calibrationMat: boolean | 'surround';
  /**
   * Where the synthetic camera "really" is, when the installer mounted it other than `calibration.mount` says; null: as calibrated.
   * Default null. A given object may name only the fields that differ: the rest come from `calibration.mount`.
   */
  trueMount: MountConfig | null;
  /**
   * The synthetic sensor's exposure: every pixel's linear-light value is multiplied by this (1 = as drawn).
   * Real cameras around a car meter each its own scene; the surround view evens them out (docs/display.md).
   */
  exposure: number;
  /** White balance: linear-light gains for red, green, blue (1, 1, 1 = neutral). */
  whiteBalance: [number, number, number];
}

export interface H264EncoderConfig {
  bitrateKbps: number;
  /** A keyframe every this many frames: a late viewer's catch-up and a slow viewer's resume wait at most this long. */
  keyframeIntervalFrames: number;
  /** libx264 preset; `ultrafast` keeps the encode within a frame interval on small machines. */
  preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';
  /**
   * Keep an idle encoder process waiting for the camera's first H.264 viewer
   * (only where frames must be encoded to H.264, e.g. the synthetic camera), so it does not wait for
   * ffmpeg to start. Default true.
   */
  spareEncoder?: boolean;
}

export interface VehicleConfig {
  widthM: number;
  /** Bumper to bumper, metres: the surround view's car footprint runs this far ahead of the rear bumper. */
  lengthM: number;
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

/** A known device. It proves who it is with a token (stored hashed) or a client certificate (mTLS). */
export interface DeviceConfig {
  id: string;
  /** A role named in `auth.roles`: what the device may do. */
  role: string;
  /** scrypt hash of the device token (`revcam token` prints one); the way to store credentials. */
  tokenHash?: string;
  /** The token in plain text: still accepted, but logged as a warning at start-up. */
  token?: string;
  /** The subject common name of the device's TLS client certificate (with `server.tls.requestClientCert`). */
  certCommonName?: string;
}

/** When a role may stream: checked on the vehicle's signals at the request and while streaming. */
export interface RolePolicy {
  /** Only while the vehicle is parked (selected gear P, or standing still out of gear). Default false (left out of a new policy object). */
  parked: boolean;
  /** Only while the owner's consent flag (`Vehicle.Private.Revcam.RemoteViewConsent`) is set. Default false. */
  consent: boolean;
}

/** What a role may do. Lists hold names or `*` (anything). */
export interface RoleRights {
  /** Open streams of these services/cameras/vehicles; an empty `services` list means no streaming. */
  stream: { services: string[]; cameras: string[]; vehicles: string[] };
  /**
   * The vehicles whose signals the role may write (and, with the recorder,
   * whose events it may review or trigger). Absent: `stream.vehicles`.
   */
  vehicles?: string[];
  /** GET /api/signals and WS /api/signals. */
  readSignals: boolean;
  /** POST /api/signals (the simulator only). */
  writeSignals: boolean;
  /** Installer calibration. */
  calibrate: boolean;
  /** GET /api/events (the recorder's clips), under the role's policy like a stream. */
  reviewEvents: boolean;
  /** POST /api/events (a manual trigger) and locking a clip. */
  record: boolean;
  /** /metrics, /api/services, /api/sessions. */
  admin: boolean;
  /** Under a viewer limit, viewers of a lower priority are shed first (like EVS's primary client). */
  priority: number;
  /** Conditions on the vehicle's signals for streaming; null = always. */
  policy: RolePolicy | null;
}

/** `server.tls`: `{ certFile, keyFile }` is enough for HTTPS; the rest may be left out. */
export interface TlsConfig {
  /** PEM certificate (chain) file. Required. */
  certFile: string;
  /** PEM private key file. Required. */
  keyFile: string;
  /** CA that signs client certificates (mTLS); also what the server trusts. Default null. */
  caFile: string | null;
  /** Ask clients for a certificate and map its common name to `auth.devices[].certCommonName` (needs caFile). Default false. */
  requestClientCert: boolean;
}

/** `nats.tls`: every field may be left out (default null). */
export interface NatsTlsConfig {
  /** Trusts the server's certificate. */
  caFile: string | null;
  /** A client certificate; with keyFile. */
  certFile: string | null;
  keyFile: string | null;
}

/** Resource limits; over a limit a request gets CAPACITY_EXCEEDED and nothing else is affected. */
export interface LimitsConfig {
  /** Viewers (every transport) in total. */
  maxViewers: number;
  /** Viewers of one authenticated device (the anonymous loopback demo is not limited per device). */
  maxViewersPerDevice: number;
  /** Viewers of one stream. */
  maxViewersPerStream: number;
  /** Open TCP connections from one client address. */
  maxConnectionsPerAddress: number;
  /** Time allowed for a request's headers. */
  headersTimeoutMs: number;
  /** Time allowed for a request's body, from its headers on. */
  bodyTimeoutMs: number;
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

/** One DBC signal published on the signal bus. */
export interface CanSignalMapping {
  /** `MESSAGE.SIGNAL`, as named in the DBC. */
  signal: string;
  /** The VSS path the value is published under. */
  path: string;
  /** Multiplies the DBC's physical value into the VSS unit (0.01 for cm -> m). Default 1; never 0. */
  scale: number;
}

/** Where vehicle signals come from; see docs/signals.md. */
export interface SignalsConfig {
  /** `simulator`: POST /api/signals and scripted drives. `can`: CAN frames through a DBC. `none`: no vehicle of its own (a gateway's default). */
  source: 'simulator' | 'can' | 'none';
  /** Gear, steering and sensor values older than this are reported stale. */
  staleAfterMs: number;
  /** A scripted drive the simulator plays on a loop from boot (simulator only). */
  drive: 'park-left' | 'park-right' | null;
  simulator: {
    /** The simulator re-publishes its values this often so they do not go stale. */
    republishMs: number;
    /** The gear the simulated car is in at boot; the demo starts in R so the rear view is up at once. */
    initialGear: 'P' | 'R' | 'N' | 'D';
  };
  can: {
    /** DBC file, relative to the base directory. */
    dbc: string;
    /** candump -L log replayed in real time when no interface is named. */
    log: string | null;
    /** SocketCAN interface read live with `candump -L` (can-utils); wins over `log`. */
    interface: string | null;
    /** Replay the log again from the start when it ends. */
    loop: boolean;
    /** Replay speed factor: 2 plays twice as fast. */
    speed: number;
    map: CanSignalMapping[];
  };
}

export interface ServerConfig {
  host: string;
  port: number;
  /** HTTPS and WSS only when set. */
  tls: TlsConfig | null;
  /** Origins (`scheme://host[:port]`) allowed to open WebSockets and POST; same origin is always allowed. */
  allowedOrigins: string[];
  /** Proxy addresses whose `X-Forwarded-For` is believed; a forwarded request is never loopback. */
  trustProxy: string[];
}

/**
 * How `revcam host` / `gateway` / `serve --nats` connect to NATS (docs/distributed.md
 * "Credentials and TLS"). At most one of user+pass, token, nkeySeedFile, credsFile.
 */
export interface NatsConfig {
  /** nats://host:port (several separated by commas); `--nats URL` replaces it. Never with credentials in it. */
  url: string | null;
  user: string | null;
  pass: string | null;
  token: string | null;
  /** A file holding the user's nkey seed (`SU…`). */
  nkeySeedFile: string | null;
  /** A `.creds` file (user JWT + nkey seed), as `nsc` writes it. */
  credsFile: string | null;
  /** TLS to the server: caFile trusts the server's certificate; certFile+keyFile is a client certificate. Default null. */
  tls: NatsTlsConfig | null;
  /** Event clips shipped to the fleet's JetStream, and read back by gateways (docs/recorder.md "Shipping"). */
  evidence: EvidenceConfig;
}

/** Store and forward of the recorder's clips over JetStream: one stream per vehicle, `<streamPrefix><vehicle>`. */
export interface EvidenceConfig {
  /** Ship finished clips when this process is a host with a recorder. */
  ship: boolean;
  /** The vehicle's stream is `<streamPrefix><vehicle>` (subjects `revcam.v1.<vehicle>.evidence.>`). */
  streamPrefix: string;
  /** Replicas of a stream the host creates (3 on a three-node cluster; at most the cluster's size). */
  replicas: number;
  /** Byte limit of a stream the host creates (-1: none); over it the oldest evidence goes (discard old). */
  maxBytes: number;
  /** Bytes of clip per message (below the server's max_payload). */
  chunkBytes: number;
  /** How often the host looks for finished, unshipped clips, ms. */
  pollMs: number;
  /** The stream's duplicate window (message-id deduplication), ms. */
  duplicateWindowMs: number;
  /** The JetStream domain of the fleet's store (`jetstream { domain }` on the hub) when this process reaches it through a leaf node; null: the server's own. */
  domain: string | null;
  /** A gateway's cache of assembled clips under stateDir (fleet-cache), bytes. */
  cacheBytes: number;
}

export interface RevcamConfig {
  server: ServerConfig;
  auth: {
    /** Let clients on 127.0.0.1/::1 in without a token (the embedded demo); they get the `local` role. */
    anonymousLoopback: boolean;
    devices: DeviceConfig[];
    /** Roles by name, merged over the built-in ones (docs/security.md). */
    roles: Record<string, RoleRights>;
  };
  limits: LimitsConfig;
  stream: {
    /** Frames a viewer may have queued (in flight + pending) before the oldest is dropped. */
    viewerQueueFrames: number;
    /** A viewer's socket buffer above this many bytes counts as backed up. */
    viewerMaxBufferedBytes: number;
  };
  /** What every display is told in `accepted` (docs/display.md). */
  display: {
    /** A frame older than this (capture to now, on the server's clock) is never shown as live. */
    maxFrameAgeMs: number;
  };
  cameras: Record<string, CameraConfig>;
  services: ServiceConfig[];
  /** How service child processes are started (docs/architecture.md "Services run in child processes"). */
  serviceHost: {
    /** Keep one generic service host booted ahead (node up, the camera layer loaded); a service start takes it instead of forking. */
    spare: boolean;
  };
  vehicle: VehicleConfig;
  signals: SignalsConfig;
  reverse: ReverseConfig;
  nats: NatsConfig;
  /** The reversing-event recorder (docs/recorder.md); it runs as the `builtin:recorder` service when `services` lists it. */
  recorder: RecorderConfig;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  /**
   * The one directory revcam writes under (recordings, their backups, future state); the config stays read-only.
   * Default: $STATE_DIRECTORY when set (systemd's StateDirectory=), else `./state`. A relative path is resolved
   * from the working directory (docs/deploy.md, "The state directory"). Read it with stateDirOf().
   */
  stateDir: string;
}

/** The recorder's settings (docs/recorder.md): clip timing, retention and triggers. */
export interface RecorderConfig {
  /** Where clips and their manifests are written, relative to `stateDir`. */
  dir: string;
  /** Seconds kept before a trigger (the in-memory pre-roll ring holds this plus one group of pictures). */
  preSeconds: number;
  /** Seconds recorded after the last trigger. */
  postSeconds: number;
  /** A clip extended by later triggers ends at this length. */
  maxSeconds: number;
  /** Byte quota of the recordings folder. */
  maxBytes: number;
  /** Keep at least this much free on the file system. */
  minFreeBytes: number;
  triggers: {
    /** The nearest rear parking sensor below this many metres while reversing; null = off. */
    sensorBelowM: number | null;
    /** Deceleration above this many m/s² while reversing; null = off. */
    decelerationMps2: number | null;
    /** An impact signal (docs/recorder.md lists the paths). */
    impact: boolean;
    /** Every manoeuvre, from entering R to leaving it. */
    manoeuvre: boolean;
  };
}
