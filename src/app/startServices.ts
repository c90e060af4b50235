/**
 * The services of one vehicle without the HTTP gateway: the supervised
 * service children, their vehicle signals, and a StreamHub holding the
 * streams others lease (`revcam host`). No listener, no displays.
 */
import type { RevcamConfig } from '../config/types.js';
import { ServiceHost } from '../host/ServiceHost.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Metrics } from '../metrics/Metrics.js';
import { createSignalSource } from '../signals/createSignalSource.js';
import { SignalBus } from '../signals/SignalBus.js';
import type { SignalSource } from '../signals/SignalSource.js';
import { StreamHub } from '../stream/StreamHub.js';
import { RecordsFeed } from './RecordsFeed.js';

/** As in startRevcam: the recorder comes up after the standby services. */
const RECORDER_START_DELAY_MS = 1_000;

export interface ServicesApp {
  host: ServiceHost;
  hub: StreamHub;
  signals: SignalBus;
  /** Where the signals come from; a simulator also takes client input (forwarded over the bus). */
  signalSource: SignalSource;
  log: Logger;
  close(): Promise<void>;
}

export async function startServices(config: Readonly<RevcamConfig>, opts: { vehicle: string; log?: Logger; baseDir?: string }): Promise<ServicesApp> {
  const log = opts.log ?? createLogger(config.log.level);
  const signals = new SignalBus({ staleAfterMs: config.signals.staleAfterMs, onListenerError: (err) => log.error({ err }, 'signal listener failed') });
  const host = await ServiceHost.create(config, log, opts.baseDir, opts.vehicle);
  const hub = new StreamHub(host, config, new Metrics(), log);
  const signalSource = await createSignalSource(config.signals, signals, { ...(opts.baseDir && { baseDir: opts.baseDir }), log });
  // As in startRevcam: services get the signals their manifests subscribed to, every sample.
  const unsubscribe = signals.subscribe(
    (samples) => {
      for (const instance of host.instances()) instance.deliverSignals(samples);
    },
    { everySample: true },
  );
  await signalSource.start();
  // Viewer services (the recorder) get their recorded streams while they run, as under `serve`.
  const feeds = host.instances().filter((i) => (i.manifest.records?.length ?? 0) > 0).map((instance) => new RecordsFeed({ hub, instance, log }));
  await hub.warmUp();
  for (const f of feeds) f.startLater(RECORDER_START_DELAY_MS);
  let closing: Promise<void> | undefined;
  return {
    host,
    hub,
    signals,
    signalSource,
    log,
    close() {
      closing ??= (async () => {
        for (const f of feeds) f.close();
        unsubscribe();
        await signalSource.stop();
        await hub.close();
        await host.stopAll();
      })();
      return closing;
    },
  };
}
