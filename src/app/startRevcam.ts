/**
 * Wires one revcam process: service host, stream hub, vehicle signals, the
 * reverse-gear policy, device auth, gateway.
 * Control flows Device → Transport → Registry → ServiceHost → Service;
 * frames flow back Service → Stream → Consumer → Transport → Device;
 * signals flow Source → SignalBus → (services, reverse policy, displays).
 */
import { Calibrator } from '../calibration/Calibrator.js';
import { ConfigError } from '../config/loadConfig.js';
import type { RevcamConfig } from '../config/types.js';
import { DeviceAuth, type DeviceAuthOptions } from '../device/DeviceAuth.js';
import { checkBindSafety, isLoopbackHost } from '../gateway/bindSafety.js';
import { PolicyWatch } from '../device/policyWatch.js';
import { Gateway } from '../gateway/Gateway.js';
import { OriginPolicy } from '../gateway/origin.js';
import { tlsServerOptions } from '../gateway/tlsOptions.js';
import { ServiceHost } from '../host/ServiceHost.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Metrics } from '../metrics/Metrics.js';
import { createSignalSource } from '../signals/createSignalSource.js';
import { SignalBus } from '../signals/SignalBus.js';
import type { SignalSource } from '../signals/SignalSource.js';
import { StreamHub } from '../stream/StreamHub.js';
import { OverlayTaps } from '../transport/overlayTap.js';
import { SignalsWsTransport } from '../transport/signalsWs.js';
import { logBootTo, markBoot, sinceStartMs } from './bootMarks.js';
import { ReverseViewPolicy } from './ReverseViewPolicy.js';
import { VehicleSignals } from './VehicleSignals.js';
import { RecordsFeed } from './RecordsFeed.js';
import { localEvents } from './localEvents.js';
import { loadConfig, stateDirOf } from '../config/loadConfig.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { EventsBackend } from '../transport/eventsHttp.js';
import { resolve } from 'node:path';
import { decodeHeader } from '../wire/frame.js';
import { ConfigReloader, type ReloadResult } from './reload/ConfigReloader.js';

export interface RevcamApp {
  /** http://host:port of the gateway (https:// with server.tls). */
  url: string;
  port: number;
  /** The config in force (a live reload replaces it). */
  readonly config: Readonly<RevcamConfig>;
  host: ServiceHost;
  hub: StreamHub;
  signals: SignalBus;
  signalSource: SignalSource;
  reverse: ReverseViewPolicy;
  /** /api/signals by vehicle: the local signals, and those of vehicles on a bus (fed by src/nats). */
  vehicleSignals: VehicleSignals;
  metrics: Metrics;
  log: Logger;
  /** Installer calibration (POST /api/calibration). */
  calibrator: Calibrator;
  /** /api/events of vehicles other than this process's own: the fleet's store (set by src/nats on a gateway). */
  useFleetEvents(backend: ((vehicle: string) => EventsBackend) | undefined): void;
  /**
   * Live reload (docs/deploy.md): re-reads the config (StartOptions.reloadConfig, else the configFile)
   * and applies it whole; `dryRun` only says what would change. Rejects with a ConfigError (one line per
   * mistake; nothing changed) for a config that cannot run, NOT_FOUND when there is nothing to re-read.
   */
  reload(opts?: { dryRun?: boolean; trigger?: string }): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** The recorder comes up this long after the standby services (docs/recorder.md): boot in reverse comes first. */
const RECORDER_START_DELAY_MS = 1_000;

export interface StartOptions {
  log?: Logger;
  /** Where relative paths in the config (service manifests, DBC, logs) are resolved from (default: cwd). */
  baseDir?: string;
  /** The vehicle this process's services belong to on a bus (`revcam serve --nats --vehicle`); also the default vehicle of requests. */
  vehicle?: string;
  /**
   * A gateway's default vehicle (`revcam gateway --vehicle`), not its own:
   * requests and /api/signals naming no vehicle get that vehicle's remote
   * services and signals.
   */
  defaultVehicle?: string;
  /** The config file the config came from: installer calibration writes its result there (none: applied in memory only). */
  configFile?: string;
  /**
   * How a live reload reads the config again (revcam serve: its --config file with the same REVCAM_*
   * variables and flags); throws ConfigError. Default: `configFile` with the environment; without
   * either, a reload is refused (NOT_FOUND).
   */
  reloadConfig?: () => Readonly<RevcamConfig>;
}

export async function startRevcam(config: Readonly<RevcamConfig>, opts: StartOptions = {}): Promise<RevcamApp> {
  // Transport checks first: a refused start leaves nothing running.
  checkBindSafety(config);
  const tls = config.server.tls ? tlsServerOptions(config.server.tls, opts.baseDir ?? process.cwd()) : undefined;
  const log = opts.log ?? createLogger(config.log.level);
  const signals = new SignalBus({ staleAfterMs: config.signals.staleAfterMs, onListenerError: (err) => log.error({ err }, 'signal listener failed') });
  // Role policies (parked, consent) read the fresh signals of the vehicle streamed, at each request
  // and on every change: this process's own, or a remote vehicle's bus (filled in below).
  let remoteBus: (vehicle: string) => SignalBus | undefined = () => undefined;
  const busFor = (vehicle: string | undefined): SignalBus | undefined => (vehicle === undefined || vehicle === opts.vehicle ? signals : remoteBus(vehicle));
  const auth = newDeviceAuth(config, {
    signals: (vehicle) => {
      const bus = busFor(vehicle);
      return (path) => bus?.fresh(path)?.value;
    },
    log,
  });
  if (!tls && !isLoopbackHost(config.server.host)) log.warn({ host: config.server.host }, 'listening beyond loopback without server.tls: tokens and frames cross the network in clear');
  const metrics = new Metrics();
  const host = await ServiceHost.create(config, log, opts.baseDir, opts.vehicle);
  // Before the hub subscribes: the boot mark is taken when the first frame arrives, not after it was written to every viewer.
  watchBoot(host, config.reverse);
  const hub = new StreamHub(host, config, metrics, log);
  hub.registry.defaultVehicle = opts.vehicle ?? opts.defaultVehicle;
  metrics.setServiceTelemetrySource(() => host.instances().map((i) => ({ service: i.id, ...i.telemetry })));
  const signalSource = await createSignalSource(config.signals, signals, { ...(opts.baseDir && { baseDir: opts.baseDir }), log });
  const signalsWs = new SignalsWsTransport({ bus: signals, auth, log });
  // Services get the signals their manifests subscribed to; the host coalesces them per service.
  // Services judge freshness by timestamp, so they get every sample, not only changes.
  const unsubscribeServices = signals.subscribe(
    (samples) => {
      for (const instance of host.instances()) instance.deliverSignals(samples);
    },
    { everySample: true },
  );
  const reverse = new ReverseViewPolicy({
    config: config.reverse,
    signals,
    hold: (req) =>
      hub.hold(req).then((release) => {
        markBoot('camera');
        return release;
      }),
    broadcast: (view) => signalsWs.broadcastView(view),
    log,
  });
  signalsWs.broadcastView(reverse.current); // a display connecting before any gear change learns the view too

  // Signals first: reverse gear read at boot already opens the rear camera.
  await signalSource.start();
  const overlayTaps = new OverlayTaps(hub, config.stream.viewerQueueFrames, config.stream.viewerMaxBufferedBytes, log);
  // ...and are re-checked while streaming: a stream ends when its role's policy stops holding.
  const policyWatch = new PolicyWatch({ auth, signals, holders: [hub, overlayTaps], log });
  hub.onViewerAdded = policyWatch.viewerAdded;
  const localSignals = {
    http: { bus: signals, auth, source: signalSource, log, bodyTimeoutMs: config.limits.bodyTimeoutMs, ...(opts.vehicle !== undefined && { vehicle: opts.vehicle }) },
    ws: signalsWs,
  };
  const vehicleSignals = new VehicleSignals({
    config,
    auth,
    log,
    hold: (req) => hub.hold(req),
    local: localSignals,
    ownVehicle: opts.vehicle,
    defaultVehicle: opts.defaultVehicle,
    watchBus: (bus) => policyWatch.watch(bus),
  });
  remoteBus = (vehicle) => vehicleSignals.busOf(vehicle);
  const calibrator = new Calibrator({ config, host, configFile: opts.configFile, log });
  // Viewer services (the recorder) get their recorded streams while they run; /api/events asks this process's recorder.
  const recorders = host.instances().filter((i) => (i.manifest.records?.length ?? 0) > 0);
  const feeds = recorders.map((instance) => new RecordsFeed({ hub, instance, log }));
  const ownRecorder = recorders.find((i) => i.manifest.kind === 'recorder');
  const ownEvents = ownRecorder && localEvents(ownRecorder, resolve(stateDirOf(config, opts.baseDir), config.recorder.dir));
  let fleetEvents: ((vehicle: string) => EventsBackend) | undefined;
  const eventsFor = (vehicle: string | null): EventsBackend => {
    if (ownEvents && (vehicle === null || vehicle === opts.vehicle)) return ownEvents;
    const other = vehicle ?? opts.defaultVehicle ?? null;
    if (fleetEvents && other !== null && other !== opts.vehicle) return fleetEvents(other);
    throw new RevcamError('NOT_FOUND', vehicle === null ? 'no recorder runs here (services: builtin:recorder)' : `no events of vehicle "${vehicle.slice(0, 64)}" here`);
  };
  const calibrationDeps = { calibrator, auth, log, bodyTimeoutMs: config.limits.bodyTimeoutMs };
  const eventsDeps = { auth, log, bodyTimeoutMs: config.limits.bodyTimeoutMs, backendFor: eventsFor };
  const reloadDeps = { auth, log, bodyTimeoutMs: config.limits.bodyTimeoutMs, reload: (o: { dryRun: boolean; trigger: string }): Promise<ReloadResult> => reload(o) };
  const gateway = new Gateway({
    host,
    hub,
    auth,
    metrics,
    log,
    overlayTaps,
    signals: { ...localSignals, forVehicle: (vehicle) => vehicleSignals.resolve(vehicle) },
    transport: { ...(tls && { tls }), allowedOrigins: config.server.allowedOrigins },
    limits: config.limits,
    display: config.display,
    calibration: calibrationDeps,
    events: eventsDeps,
    configReload: reloadDeps,
  });
  const reloadConfig = opts.reloadConfig ?? (opts.configFile !== undefined ? ((file: string) => () => loadConfig({ file, env: process.env }))(opts.configFile) : undefined);
  const reloader = new ConfigReloader({
    running: config,
    load: () => {
      if (!reloadConfig) throw new RevcamError('NOT_FOUND', 'this server was started without a config file: there is nothing to re-read');
      return reloadConfig();
    },
    baseDir: opts.baseDir ?? process.cwd(),
    tls: tls && { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined && { ca: tls.ca }) },
    auth,
    gateway,
    hub,
    host,
    overlayTaps,
    policyWatch,
    calibrator,
    setBodyTimeoutMs: (ms) => {
      for (const deps of [localSignals.http, calibrationDeps, eventsDeps, reloadDeps]) deps.bodyTimeoutMs = ms;
    },
    log,
  });
  const reload = (o: { dryRun?: boolean; trigger?: string } = {}): Promise<ReloadResult> => reloader.reload(o);
  const address = await gateway.listen(config.server.port, config.server.host);
  markBoot('listening');
  // Marks are logged from here (the earlier ones at once): a start that fails before listening says only why.
  logBootTo(log);
  // Standby services come up after listening: the server answers at once, the services beside it.
  await hub.warmUp();
  for (const f of feeds) f.startLater(RECORDER_START_DELAY_MS);
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`;
  log.info({ url }, 'revcam listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    get config() {
      return reloader.config;
    },
    host,
    hub,
    signals,
    signalSource,
    reverse,
    vehicleSignals,
    metrics,
    log,
    calibrator,
    useFleetEvents(backend) {
      fleetEvents = backend;
    },
    reload,
    close() {
      closing ??= (async () => {
        reverse.close();
        vehicleSignals.close();
        policyWatch.close();
        for (const f of feeds) f.close();
        unsubscribeServices();
        await signalSource.stop();
        // Streams first, so no frame is written to a response being ended; then the viewers are told and closed.
        await hub.close();
        await gateway.close();
        await host.stopAll();
      })();
      return closing;
    },
  };
}

/** Boot marks (docs/performance.md, case 10): the reverse service's child ready, and its camera's first frame at the gateway. */
function watchBoot(host: ServiceHost, reverse: Readonly<RevcamConfig['reverse']>): void {
  const instance = host.get(reverse.service);
  if (!instance) return;
  const onState = (state: string) => {
    if (state !== 'running') return;
    markBoot('service');
    instance.off('state', onState);
  };
  const onFrame = (camera: string, wire: Buffer) => {
    if (camera !== reverse.camera) return;
    markBoot('frame', { captureMs: sinceStartMs(decodeHeader(wire).captureUs) });
    instance.off('frame', onFrame);
  };
  instance.on('state', onState);
  instance.on('frame', onFrame);
}

/** DeviceAuth with the proxies whose X-Forwarded-For counts; a bad server.trustProxy or allowedOrigins entry is a ConfigError. */
function newDeviceAuth(config: Readonly<RevcamConfig>, opts: DeviceAuthOptions): DeviceAuth {
  try {
    new OriginPolicy(config.server.allowedOrigins, false); // validates the list before anything starts
    return new DeviceAuth(config.auth, { ...opts, trustProxy: config.server.trustProxy });
  } catch (err) {
    throw err instanceof TypeError ? new ConfigError(err.message) : err;
  }
}
