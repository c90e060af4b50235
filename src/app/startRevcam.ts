/**
 * Wires one revcam process: service host, stream hub, vehicle signals, the
 * reverse-gear policy, device auth, gateway.
 * Control flows Device → Transport → Registry → ServiceHost → Service;
 * frames flow back Service → Stream → Consumer → Transport → Device;
 * signals flow Source → SignalBus → (services, reverse policy, displays).
 */
import type { RevcamConfig } from '../config/types.js';
import { DeviceAuth } from '../device/DeviceAuth.js';
import { Gateway } from '../gateway/Gateway.js';
import { ServiceHost } from '../host/ServiceHost.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Metrics } from '../metrics/Metrics.js';
import { createSignalSource } from '../signals/createSignalSource.js';
import { SignalBus } from '../signals/SignalBus.js';
import type { SignalSource } from '../signals/SignalSource.js';
import { StreamHub } from '../stream/StreamHub.js';
import { OverlayTaps } from '../transport/overlayTap.js';
import { SignalsWsTransport } from '../transport/signalsWs.js';
import { ReverseViewPolicy } from './ReverseViewPolicy.js';

export interface RevcamApp {
  /** http://host:port of the gateway. */
  url: string;
  port: number;
  config: Readonly<RevcamConfig>;
  host: ServiceHost;
  hub: StreamHub;
  signals: SignalBus;
  signalSource: SignalSource;
  reverse: ReverseViewPolicy;
  metrics: Metrics;
  log: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Where relative paths in the config (service manifests, DBC, logs) are resolved from (default: cwd). */
  baseDir?: string;
}

export async function startRevcam(config: Readonly<RevcamConfig>, opts: StartOptions = {}): Promise<RevcamApp> {
  const log = opts.log ?? createLogger(config.log.level);
  const metrics = new Metrics();
  const host = await ServiceHost.create(config, log, opts.baseDir);
  const hub = new StreamHub(host, config, metrics, log);
  metrics.setServiceTelemetrySource(() => host.instances().map((i) => ({ service: i.id, ...i.telemetry })));
  const auth = new DeviceAuth(config.auth);

  const signals = new SignalBus({ staleAfterMs: config.signals.staleAfterMs, onListenerError: (err) => log.error({ err }, 'signal listener failed') });
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
    hold: (req) => hub.hold(req),
    broadcast: (view) => signalsWs.broadcastView(view),
    log,
  });
  signalsWs.broadcastView(reverse.current); // a display connecting before any gear change learns the view too

  // Signals first: reverse gear read at boot already opens the rear camera.
  await signalSource.start();
  const overlayTaps = new OverlayTaps(hub, config.stream.viewerQueueFrames, config.stream.viewerMaxBufferedBytes, log);
  const gateway = new Gateway({ host, hub, auth, metrics, log, overlayTaps, signals: { http: { bus: signals, auth, source: signalSource, log }, ws: signalsWs } });
  const address = await gateway.listen(config.server.port, config.server.host);
  // Standby services come up after listening: the server answers at once, the services beside it.
  await hub.warmUp();
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  log.info({ url }, 'revcam listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    config,
    host,
    hub,
    signals,
    signalSource,
    reverse,
    metrics,
    log,
    close() {
      closing ??= (async () => {
        reverse.close();
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
