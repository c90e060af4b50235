/**
 * Wires one revcam process: service host, stream hub, device auth, gateway.
 * Control flows Device → Transport → Registry → ServiceHost → Service;
 * frames flow back Service → Stream → Consumer → Transport → Device.
 */
import type { RevcamConfig } from '../config/types.js';
import { DeviceAuth } from '../device/DeviceAuth.js';
import { Gateway } from '../gateway/Gateway.js';
import { ServiceHost } from '../host/ServiceHost.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Metrics } from '../metrics/Metrics.js';
import { StreamHub } from '../stream/StreamHub.js';

export interface RevcamApp {
  /** http://host:port of the gateway. */
  url: string;
  port: number;
  config: Readonly<RevcamConfig>;
  host: ServiceHost;
  hub: StreamHub;
  metrics: Metrics;
  log: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Where relative service manifest paths are resolved from (default: cwd). */
  baseDir?: string;
}

export async function startRevcam(config: Readonly<RevcamConfig>, opts: StartOptions = {}): Promise<RevcamApp> {
  const log = opts.log ?? createLogger(config.log.level);
  const metrics = new Metrics();
  const host = await ServiceHost.create(config, log, opts.baseDir);
  const hub = new StreamHub(host, config, metrics, log);
  const auth = new DeviceAuth(config.auth);
  const gateway = new Gateway({ host, hub, auth, metrics, log });
  const address = await gateway.listen(config.server.port, config.server.host);
  // Warm standby after listening: the server answers at once, the camera comes up beside it.
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
    metrics,
    log,
    close() {
      closing ??= (async () => {
        await gateway.close();
        await hub.close();
        await host.stopAll();
      })();
      return closing;
    },
  };
}
