/** `revcam gateway`: serves devices exactly as `revcam serve` does, for every vehicle it finds on NATS; runs no services. */
import { startRevcam } from '../app/startRevcam.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { checkNatsUrl, checkVehicle, commandConfig, joinBus, runUntilStopped } from './serve.js';
import { parseCommandArgs, UsageError } from './usage.js';
import { resolve } from 'node:path';
import { stateDirOf } from '../config/loadConfig.js';

export const GATEWAY_USAGE = `usage: revcam gateway --nats URL [options]

Serves the display app and the stream endpoints like revcam serve, for every
vehicle whose services are announced on the NATS bus (revcam host); runs no
services itself. A request names the vehicle with "vehicle" (or vehicle= in
the query); without it, the only vehicle offering the service is used
(docs/distributed.md). Runs until SIGINT or SIGTERM.

      --nats URL      the NATS server, nats://host:port (or nats.url in the config;
                      credentials and TLS only from the config's nats section)
      --vehicle NAME  the vehicle a request gets when it names none and several
                      vehicles offer the service (default: none; then it must name one)
      --simulate      run the config's signal source (the simulator) as a vehicle of
                      the gateway's own; without it the gateway has no signals but
                      its vehicles', and a role policy is judged on those only
  -c, --config FILE   YAML or JSON config (its services list is ignored)
  -p, --port N        listen port, 0 = any free port (default ${DEFAULT_CONFIG.server.port}; env REVCAM_PORT)
      --host H        listen address (default ${DEFAULT_CONFIG.server.host}; env REVCAM_HOST)
  -h, --help          this help

example:
  revcam gateway --nats nats://127.0.0.1:4222 --port 8080 --vehicle veh-a
`;

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('gateway', {
    args: argv,
    allowPositionals: true,
    options: {
      nats: { type: 'string' },
      vehicle: { type: 'string' },
      simulate: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(GATEWAY_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, 'gateway');
  if (values.nats !== undefined) checkNatsUrl(values.nats, 'gateway');
  if (values.vehicle !== undefined) checkVehicle(values.vehicle, 'gateway');
  const config = commandConfig('gateway', values);
  // --nats replaces only the url: credentials and TLS stay in the config's nats section.
  const natsUrl = values.nats ?? config.nats.url;
  if (natsUrl === null) throw new UsageError('--nats URL is required (or nats.url in the config: the NATS server to find services on)', 'gateway');
  // No local services: every instance this gateway streams is a remote one. And no vehicle of its own
  // unless asked: a simulated gear here must never be what a phone's policy reads.
  const gatewayConfig = (c: typeof config): typeof config => ({ ...c, services: [], signals: values.simulate ? c.signals : { ...c.signals, source: 'none' as const } });
  const app = await startRevcam(gatewayConfig(config), {
    ...(values.vehicle !== undefined && { defaultVehicle: values.vehicle }),
    // A live reload (SIGHUP, POST /api/config/reload) reads the file as the start did, with the same flags.
    ...(values.config !== undefined && { reloadConfig: () => gatewayConfig(commandConfig('gateway', values)) }),
  });
  const bus = await joinBus(app, async () => {
    const attached = await (await import('../nats/startNats.js')).startNats({ url: natsUrl, config: config.nats, log: app.log, gateway: { hub: app.hub, signals: app.vehicleSignals, eventsCacheDir: resolve(stateDirOf(config), 'fleet-cache') } });
    app.useFleetEvents(attached.fleetEvents);
    return attached;
  });
  process.stdout.write(`revcam: display at ${app.url}/  (gateway on ${natsUrl})\n`);
  // No local services: healthy while its loop keeps time (the hosts' own watchdogs watch theirs).
  return runUntilStopped(app, bus, { log: app.log, ...(values.config !== undefined && { reload: () => app.reload({ trigger: 'SIGHUP' }) }) });
}
