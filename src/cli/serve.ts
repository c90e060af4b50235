import { startRevcam } from '../app/startRevcam.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { loadConfig } from '../config/loadConfig.js';
import { DRIVE_NAMES } from '../signals/drives.js';
import { parseCommandArgs, UsageError } from './usage.js';

export const SERVE_USAGE = `usage: revcam serve [options]

Starts the gateway: the display app, the stream endpoints and the services
the config names. Runs until SIGINT or SIGTERM.

  -c, --config FILE   YAML or JSON config (default: built-in defaults; see examples/revcam.yaml)
  -p, --port N        listen port, 0 = any free port (default ${DEFAULT_CONFIG.server.port}; env REVCAM_PORT)
      --host H        listen address (default ${DEFAULT_CONFIG.server.host}; env REVCAM_HOST)
      --drive NAME    start a scripted drive in the simulator: ${DRIVE_NAMES.join(' | ')}
      --nats URL      also join a NATS bus (nats://H:P): announce these services as
                      --vehicle and stream every vehicle on the bus (docs/distributed.md)
      --vehicle NAME  the vehicle these services belong to (with --nats; required there)
  -h, --help          this help

Precedence: defaults, then the config file, then REVCAM_* variables, then these options.

example:
  revcam serve --config examples/revcam.yaml --port 8080 --drive park-left
`;

/** Runs the server until SIGINT/SIGTERM. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', {
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      drive: { type: 'string' },
      nats: { type: 'string' },
      vehicle: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, 'serve');
  const port = parsePort(values.port, 'serve');
  if (values.drive !== undefined && !(DRIVE_NAMES as readonly string[]).includes(values.drive)) {
    throw new UsageError(`--drive: no drive named ${values.drive} (drives: ${DRIVE_NAMES.join(', ')})`, 'serve');
  }
  if (values.nats !== undefined) checkNatsUrl(values.nats, 'serve');
  if (values.vehicle !== undefined && values.nats === undefined) throw new UsageError('--vehicle needs --nats (the embedded default names no vehicle)', 'serve');
  if (values.nats !== undefined && values.vehicle === undefined) throw new UsageError('--nats needs --vehicle NAME: the vehicle these services belong to', 'serve');
  if (values.vehicle !== undefined) checkVehicle(values.vehicle, 'serve');
  const config = loadConfig({
    ...(values.config !== undefined && { file: values.config }),
    env: process.env,
    overrides: { ...(port !== undefined && { port }), ...(values.host !== undefined && { host: values.host }), ...(values.drive !== undefined && { drive: values.drive }) },
  });
  const app = await startRevcam(config, values.vehicle !== undefined ? { vehicle: values.vehicle } : {});
  let bus: { close(): Promise<void> } | undefined;
  if (values.nats !== undefined) {
    try {
      // Loaded only now: without --nats nothing about NATS is.
      const { startNats } = await import('../nats/startNats.js');
      bus = await startNats({ url: values.nats, log: app.log, config: config.nats, host: { vehicle: values.vehicle!, services: app.host, hub: app.hub }, gateway: { hub: app.hub } });
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  process.stdout.write(`revcam: display at ${app.url}/  (probe: npx revcam probe ${app.url} --frames 300 --json)\n`);
  await untilStopSignal();
  await closeWithin(async () => {
    await bus?.close();
    await app.close();
  });
  return 0;
}

/** `--port`: an integer 0-65535, or undefined when not given. */
export function parsePort(value: string | undefined, command: string): number | undefined {
  const port = value === undefined ? undefined : Number(value);
  if (port !== undefined && (value!.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--port: not a port number (0-65535): ${value}`, command);
  }
  return port;
}

export function checkNatsUrl(url: string, command: string): void {
  for (const u of url.split(',')) {
    // Refused, not warned about: a URL is printed, logged and visible in `ps`.
    if (u.includes('@')) throw new UsageError('--nats: credentials do not go in the URL; put them in the config\'s nats section (user/pass, token, nkeySeedFile, credsFile)', command);
    if (!/^(nats|tls|wss?):\/\/[^\s/]+\/?$/.test(u.trim())) throw new UsageError(`--nats: not a NATS server URL (nats://host:port): ${u}`, command);
  }
}

export function checkVehicle(name: string, command: string): void {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name)) throw new UsageError(`--vehicle: a vehicle name is lower-case letters, digits and "-", starting with a letter: ${name}`, command);
}

/** Resolves at SIGINT or SIGTERM. */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Shutdown finishes within 2 s (docs/architecture.md "Shutdown"): a part that hangs does not hold the process. */
export async function closeWithin(close: () => Promise<void>): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write('revcam: shutdown did not finish within 2 s; exiting anyway\n');
    process.exit(1);
  }, 1900);
  deadline.unref();
  await close();
  clearTimeout(deadline);
}
