import { parseArgs } from 'node:util';
import { startRevcam } from '../app/startRevcam.js';
import { loadConfig } from '../config/loadConfig.js';

export const SERVE_USAGE = 'revcam serve [--config revcam.yaml] [--port N] [--host H] [--drive park-left|park-right]';

/** Runs the server until SIGINT/SIGTERM. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' }, drive: { type: 'string' } },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port: not a port number: ${values.port}`);
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
