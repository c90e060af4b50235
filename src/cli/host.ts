/** `revcam host`: runs the configured services of one vehicle and announces them on NATS; no HTTP. */
import { startServices } from '../app/startServices.js';
import { DRIVE_NAMES } from '../signals/drives.js';
import { checkNatsUrl, checkVehicle, commandConfig, joinBus, reverseServiceHealthy, runUntilStopped } from './serve.js';
import { parseCommandArgs, UsageError } from './usage.js';
import { resolve } from 'node:path';
import { stateDirOf } from '../config/loadConfig.js';

export const HOST_USAGE = `usage: revcam host --nats URL --vehicle NAME [options]

Runs the services the config names (the built-in synthetic ones by default)
as vehicle NAME and announces them on a NATS bus, where any revcam gateway
finds and streams them (docs/distributed.md). Serves no HTTP. Runs until
SIGINT or SIGTERM.

      --nats URL      the NATS server, nats://host:port (or nats.url in the config;
                      credentials and TLS only from the config's nats section)
      --vehicle NAME  this vehicle's name on the bus, e.g. veh-a (required)
  -c, --config FILE   YAML or JSON config (default: built-in defaults; see examples/revcam.yaml)
      --drive NAME    start a scripted drive in the simulator: ${DRIVE_NAMES.join(' | ')}
      --no-signals    do not publish this host's vehicle signals nor take signal input
                      (another host of the same vehicle owns them: one source per vehicle)
  -h, --help          this help

example:
  nats-server -a 127.0.0.1 -p 4222 &
  revcam host --nats nats://127.0.0.1:4222 --vehicle veh-a
`;

export async function hostCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('host', {
    args: argv,
    allowPositionals: true,
    options: {
      nats: { type: 'string' },
      vehicle: { type: 'string' },
      config: { type: 'string', short: 'c' },
      drive: { type: 'string' },
      'no-signals': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HOST_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, 'host');
  if (values.nats !== undefined) checkNatsUrl(values.nats, 'host');
  const config = commandConfig('host', values);
  // --nats replaces only the url: credentials and TLS stay in the config's nats section.
  const natsUrl = values.nats ?? config.nats.url;
  if (natsUrl === null) throw new UsageError('--nats URL is required (or nats.url in the config: the NATS server to announce the services on)', 'host');
  if (values.vehicle === undefined) throw new UsageError('--vehicle NAME is required (the vehicle these services belong to)', 'host');
  checkVehicle(values.vehicle, 'host');
  const vehicle = values.vehicle;
  const app = await startServices(config, { vehicle });
  const bus = await joinBus(app, async () => (await import('../nats/startNats.js')).startNats({ url: natsUrl, config: config.nats, log: app.log, host: { vehicle, services: app.host, hub: app.hub, recordingsDir: resolve(stateDirOf(config), config.recorder.dir), ...(!values['no-signals'] && { signals: { bus: app.signals, source: app.signalSource } }) } }));
  const names = app.host.instances().map((i) => i.id).join(', ');
  process.stdout.write(`revcam: host ${vehicle} announced ${names} on ${natsUrl}\n`);
  return runUntilStopped(app, bus, { healthy: reverseServiceHealthy({ host: app.host, config }), log: app.log });
}
