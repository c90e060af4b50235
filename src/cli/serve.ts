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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, 'serve');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (values.port!.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--port: not a port number (0-65535): ${values.port}`, 'serve');
  }
  if (values.drive !== undefined && !(DRIVE_NAMES as readonly string[]).includes(values.drive)) {
    throw new UsageError(`--drive: no drive named ${values.drive} (drives: ${DRIVE_NAMES.join(', ')})`, 'serve');
  }
  const config = loadConfig({
    ...(values.config !== undefined && { file: values.config }),
    env: process.env,
    overrides: { ...(port !== undefined && { port }), ...(values.host !== undefined && { host: values.host }), ...(values.drive !== undefined && { drive: values.drive }) },
  });
  const app = await startRevcam(config);
  process.stdout.write(`revcam: display at ${app.url}/  (probe: npx revcam probe ${app.url} --frames 300 --json)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Shutdown finishes within 2 s (docs/architecture.md "Shutdown"): a part that hangs does not hold the process.
  const deadline = setTimeout(() => {
    process.stderr.write('revcam: shutdown did not finish within 2 s; exiting anyway\n');
    process.exit(1);
  }, 1900);
  deadline.unref();
  await app.close();
  clearTimeout(deadline);
  return 0;
}
