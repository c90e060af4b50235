/** Strict JSON Schema of the merged configuration: unknown fields are errors. */

const num = (minimum: number, maximum: number) => ({ type: 'number', minimum, maximum }) as const;
const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;
const name = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$', description: 'a name: a lower-case letter, then a-z, 0-9 or -, at most 64' } as const;
/** `description` is what an error says is allowed (src/config/configErrors.ts). */
const path = { type: 'string', minLength: 1, description: 'a file path' } as const;
const nullOr = <T extends object>(schema: T) => ({ anyOf: [{ type: 'null' }, schema] }) as const;

const mount = {
  type: 'object',
  additionalProperties: false,
  required: ['heightM', 'pitchDeg', 'yawDeg', 'rollDeg', 'lateralM', 'longitudinalM'],
  properties: {
    heightM: num(0.05, 10),
    pitchDeg: num(-89, 89),
    // ±180: a front camera looks forward (yaw 180), a side one sideways (±90).
    yawDeg: num(-180, 180),
    rollDeg: num(-90, 90),
    lateralM: num(-5, 5),
    longitudinalM: num(-30, 30),
  },
} as const;

export const calibrationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'fx', 'fy', 'cx', 'cy', 'k', 'mount'],
  properties: {
    model: { enum: ['pinhole', 'fisheye'] },
    fx: num(1, 100000),
    fy: num(1, 100000),
    cx: num(0, 100000),
    cy: num(0, 100000),
    k: { type: 'array', items: num(-10, 10), minItems: 4, maxItems: 4 },
    mount,
  },
} as const;

const nameList = { type: 'array', maxItems: 256, items: { anyOf: [{ const: '*' }, name] } } as const;
const role = {
  type: 'object',
  additionalProperties: false,
  required: ['stream', 'readSignals', 'writeSignals', 'calibrate', 'reviewEvents', 'record', 'admin', 'priority', 'policy'],
  properties: {
    stream: {
      type: 'object',
      additionalProperties: false,
      required: ['services', 'cameras', 'vehicles'],
      properties: { services: nameList, cameras: nameList, vehicles: nameList },
    },
    vehicles: nameList,
    readSignals: { type: 'boolean' },
    writeSignals: { type: 'boolean' },
    calibrate: { type: 'boolean' },
    reviewEvents: { type: 'boolean' },
    record: { type: 'boolean' },
    admin: { type: 'boolean' },
    priority: int(0, 1000),
    policy: {
      anyOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['parked', 'consent'], properties: { parked: { type: 'boolean' }, consent: { type: 'boolean' } } },
      ],
    },
  },
} as const;

const camera = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'width', 'height', 'fps', 'jpegQuality', 'mirror', 'scene', 'guidelines', 'calibration', 'h264', 'rtspTransport', 'v4l2', 'stallTimeoutMs', 'surround', 'synthetic'],
  properties: {
    source: { type: 'string', minLength: 1 },
    width: int(16, 7680),
    height: int(16, 4320),
    fps: num(1, 240),
    jpegQuality: int(1, 100),
    mirror: { type: 'boolean' },
    scene: { enum: ['rear', 'side', 'front', 'cabin'] },
    guidelines: { type: 'boolean' },
    calibration: calibrationSchema,
    h264: {
      type: 'object',
      additionalProperties: false,
      required: ['bitrateKbps', 'keyframeIntervalFrames', 'preset'],
      properties: {
        bitrateKbps: int(100, 100_000),
        keyframeIntervalFrames: int(1, 1000),
        preset: { enum: ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] },
        spareEncoder: { type: 'boolean' },
      },
    },
    rtspTransport: { enum: ['tcp', 'udp'] },
    v4l2: {
      type: 'object',
      additionalProperties: false,
      required: ['inputFormat'],
      properties: { inputFormat: { type: 'string', pattern: '^[a-z0-9_]{1,32}$', description: 'a pixel format name such as auto, mjpeg, h264 or yuyv422' } },
    },
    stallTimeoutMs: int(100, 600_000),
    surround: {
      type: 'object',
      additionalProperties: false,
      required: ['maxAngleDeg', 'bodyRows'],
      properties: { maxAngleDeg: num(10, 100), bodyRows: int(0, 4320) },
    },
    synthetic: {
      type: 'object',
      additionalProperties: false,
      required: ['calibrationMat', 'trueMount', 'exposure', 'whiteBalance'],
      properties: {
        calibrationMat: { anyOf: [{ type: 'boolean' }, { const: 'surround' }] },
        trueMount: nullOr(mount),
        exposure: num(0.1, 10),
        whiteBalance: { type: 'array', minItems: 3, maxItems: 3, items: num(0.1, 10) },
      },
    },
  },
} as const;

export const configSchema = {
  $id: 'revcam/config',
  type: 'object',
  additionalProperties: false,
  required: ['server', 'auth', 'limits', 'stream', 'display', 'cameras', 'services', 'serviceHost', 'vehicle', 'signals', 'reverse', 'nats', 'recorder', 'log', 'stateDir'],
  properties: {
    stateDir: { type: 'string', minLength: 1 },
    nats: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'user', 'pass', 'token', 'nkeySeedFile', 'credsFile', 'tls', 'evidence'],
      properties: {
        // No '@': credentials belong in user/pass/token, never in a URL (logs, ps, stdout).
        url: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^\\s*(nats|tls|wss?)://[^\\s/@]+/?\\s*(,\\s*(nats|tls|wss?)://[^\\s/@]+/?\\s*)*$', description: 'a NATS URL, nats://host:port (several: comma-separated; no credentials)' }] },
        user: nullOr({ type: 'string', minLength: 1 }),
        pass: nullOr({ type: 'string', minLength: 1 }),
        token: nullOr({ type: 'string', minLength: 1 }),
        nkeySeedFile: nullOr(path),
        credsFile: nullOr(path),
        tls: nullOr({
          type: 'object',
          additionalProperties: false,
          required: ['caFile', 'certFile', 'keyFile'],
          properties: {
            caFile: nullOr(path),
            certFile: nullOr(path),
            keyFile: nullOr(path),
          },
        }),
        evidence: {
          type: 'object',
          additionalProperties: false,
          required: ['ship', 'streamPrefix', 'replicas', 'maxBytes', 'chunkBytes', 'pollMs', 'duplicateWindowMs', 'cacheBytes', 'domain'],
          properties: {
            ship: { type: 'boolean' },
            // A stream name may not hold '.', '*', '>', whitespace or a path separator.
            streamPrefix: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' },
            replicas: int(1, 5),
            maxBytes: { type: 'integer', minimum: -1 },
            chunkBytes: int(4096, 1024 * 1024 - 4096),
            pollMs: int(100, 600_000),
            duplicateWindowMs: int(1000, 86_400_000),
            domain: nullOr({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' }),
            cacheBytes: { type: 'integer', minimum: 1024 * 1024 },
          },
        },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'tls', 'allowedOrigins', 'trustProxy'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: int(0, 65535),
        tls: {
          anyOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['certFile', 'keyFile', 'caFile', 'requestClientCert'],
              properties: {
                certFile: path,
                keyFile: path,
                caFile: nullOr(path),
                requestClientCert: { type: 'boolean' },
              },
            },
          ],
        },
        allowedOrigins: { type: 'array', maxItems: 64, items: { type: 'string', pattern: '^https?://[^/\\s]+$', description: 'an origin: http(s)://host[:port], no path' } },
        trustProxy: { type: 'array', maxItems: 64, items: { type: 'string', minLength: 2, maxLength: 64 } },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['anonymousLoopback', 'devices', 'roles'],
      properties: {
        anonymousLoopback: { type: 'boolean' },
        devices: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'role'],
            properties: {
              id: name,
              role: name,
              token: { type: 'string', minLength: 16, maxLength: 512 },
              tokenHash: { type: 'string', pattern: '^scrypt\\$', maxLength: 512, description: 'an scrypt$… hash as `revcam token` prints it' },
              certCommonName: { type: 'string', minLength: 1, maxLength: 256 },
            },
          },
        },
        roles: { type: 'object', propertyNames: name, additionalProperties: role },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['maxViewers', 'maxViewersPerDevice', 'maxViewersPerStream', 'maxConnectionsPerAddress', 'headersTimeoutMs', 'bodyTimeoutMs'],
      properties: {
        maxViewers: int(1, 100_000),
        maxViewersPerDevice: int(1, 100_000),
        maxViewersPerStream: int(1, 100_000),
        maxConnectionsPerAddress: int(1, 100_000),
        headersTimeoutMs: int(100, 600_000),
        bodyTimeoutMs: int(100, 600_000),
      },
    },
    stream: {
      type: 'object',
      additionalProperties: false,
      required: ['viewerQueueFrames', 'viewerMaxBufferedBytes'],
      properties: { viewerQueueFrames: int(1, 64), viewerMaxBufferedBytes: int(65536, 256 * 1024 * 1024) },
    },
    display: {
      type: 'object',
      additionalProperties: false,
      required: ['maxFrameAgeMs'],
      properties: { maxFrameAgeMs: int(10, 10_000) },
    },
    cameras: { type: 'object', propertyNames: name, additionalProperties: camera, minProperties: 1, description: 'at least one camera (name: settings)' },
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['manifest', 'standby', 'idleStopMs', 'restart'],
        properties: {
          manifest: { type: 'string', minLength: 1 },
          standby: { enum: ['cold', 'warm', 'hot'] },
          idleStopMs: int(0, 3_600_000),
          restart: {
            type: 'object',
            additionalProperties: false,
            required: ['initialDelayMs', 'maxDelayMs'],
            properties: { initialDelayMs: int(0, 60_000), maxDelayMs: int(0, 600_000) },
          },
        },
      },
    },
    serviceHost: {
      type: 'object',
      additionalProperties: false,
      required: ['spare'],
      properties: { spare: { type: 'boolean' } },
    },
    signals: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'staleAfterMs', 'drive', 'simulator', 'can'],
      properties: {
        source: { enum: ['simulator', 'can', 'none'] },
        staleAfterMs: int(10, 60_000),
        drive: { anyOf: [{ type: 'null' }, { enum: ['park-left', 'park-right'] }] },
        simulator: {
          type: 'object',
          additionalProperties: false,
          required: ['republishMs', 'initialGear'],
          properties: { republishMs: int(10, 10_000), initialGear: { enum: ['P', 'R', 'N', 'D'] } },
        },
        can: {
          type: 'object',
          additionalProperties: false,
          required: ['dbc', 'log', 'interface', 'loop', 'speed', 'map'],
          properties: {
            dbc: path,
            log: nullOr(path),
            interface: nullOr({ type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$', description: 'an interface name such as can0' }),
            loop: { type: 'boolean' },
            speed: num(0.01, 1000),
            map: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['signal', 'path', 'scale'],
                properties: {
                  signal: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$', description: 'MESSAGE.SIGNAL as the DBC names them' },
                  path: { type: 'string', pattern: '^Vehicle(\\.[A-Za-z0-9_]+)+$', description: 'a VSS path such as Vehicle.Speed' },
                  scale: { type: 'number', not: { const: 0 } },
                },
              },
            },
          },
        },
      },
    },
    vehicle: {
      type: 'object',
      additionalProperties: false,
      required: ['widthM', 'lengthM', 'wheelbaseM', 'trackM', 'rearOverhangM', 'steeringRatio'],
      properties: {
        widthM: num(0.5, 5),
        lengthM: num(1, 30),
        wheelbaseM: num(0.5, 10),
        trackM: num(0.5, 5),
        rearOverhangM: num(0, 5),
        steeringRatio: num(1, 40),
      },
    },
    reverse: {
      type: 'object',
      additionalProperties: false,
      required: ['service', 'camera', 'codec', 'holdMs', 'exitSpeedKmh'],
      properties: {
        service: name,
        camera: name,
        codec: { enum: ['jpeg', 'h264'] },
        holdMs: int(0, 600_000),
        exitSpeedKmh: num(0, 100),
      },
    },
    recorder: {
      type: 'object',
      additionalProperties: false,
      required: ['dir', 'preSeconds', 'postSeconds', 'maxSeconds', 'maxBytes', 'minFreeBytes', 'triggers'],
      properties: {
        dir: { type: 'string', minLength: 1, maxLength: 4096 },
        preSeconds: num(0, 120),
        postSeconds: num(0, 600),
        maxSeconds: num(1, 3600),
        maxBytes: int(1024 * 1024, Number.MAX_SAFE_INTEGER),
        minFreeBytes: int(0, Number.MAX_SAFE_INTEGER),
        triggers: {
          type: 'object',
          additionalProperties: false,
          required: ['sensorBelowM', 'decelerationMps2', 'impact', 'manoeuvre'],
          properties: {
            sensorBelowM: { anyOf: [{ type: 'null' }, num(0.01, 10)] },
            decelerationMps2: { anyOf: [{ type: 'null' }, num(0.5, 100)] },
            impact: { type: 'boolean' },
            manoeuvre: { type: 'boolean' },
          },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level'],
      properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
    },
  },
} as const;
