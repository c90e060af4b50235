import { markBoot } from '../app/bootMarks.js';
import { startRevcam } from '../app/startRevcam.js';
import { loadConfig, stateDirOf } from '../config/loadConfig.js';
import { resolve } from 'node:path';
import type { RevcamConfig } from '../config/types.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { NotifyLog } from '../systemd/notify.js';
import { DRIVE_NAMES } from '../signals/drives.js';
import { parseCommandArgs, UsageError } from './usage.js';
import { SERVE_USAGE } from './serveUsage.js';

export { SERVE_USAGE };


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
  if (values.nats !== undefined) checkNatsUrl(values.nats, 'serve');
  if (values.vehicle !== undefined && values.nats === undefined) throw new UsageError('--vehicle needs --nats (the embedded default names no vehicle)', 'serve');
  if (values.nats !== undefined && values.vehicle === undefined) throw new UsageError('--nats needs --vehicle NAME: the vehicle these services belong to', 'serve');
  if (values.vehicle !== undefined) checkVehicle(values.vehicle, 'serve');
  const config = commandConfig('serve', values);
  markBoot('config');
  const app = await startRevcam(config, {
    ...(values.vehicle !== undefined && { vehicle: values.vehicle }),
    ...(values.config !== undefined && { configFile: values.config }),
    // A reload reads the file as the start did: the same REVCAM_* variables, the same flags.
    ...(values.config !== undefined && { reloadConfig: () => commandConfig('serve', values) }),
  });
  const { nats, vehicle } = values;
  // Loaded only with --nats: without it nothing about NATS is.
  const bus =
    nats === undefined
      ? undefined
      : await joinBus(app, async () => {
          const stateDir = stateDirOf(config);
          const attached = await (await import('../nats/startNats.js')).startNats({
            url: nats,
            log: app.log,
            config: config.nats,
            host: { vehicle: vehicle!, services: app.host, hub: app.hub, signals: { bus: app.signals, source: app.signalSource }, recordingsDir: resolve(stateDir, config.recorder.dir) },
            gateway: { hub: app.hub, signals: app.vehicleSignals, eventsCacheDir: resolve(stateDir, 'fleet-cache') },
          });
          app.useFleetEvents(attached.fleetEvents);
          return attached;
        });
  process.stdout.write(`revcam: display at ${app.url}/  (probe: npx revcam probe ${app.url} --frames 300 --json)\n`);
  return runUntilStopped(app, bus, { healthy: reverseServiceHealthy(app), log: app.log, ...(values.config !== undefined && { reload: () => app.reload({ trigger: 'SIGHUP' }) }) });
}

/** The config a command runs with: its --config file, REVCAM_* variables, then its flags (--port, --host, --drive), checked. */
export function commandConfig(command: string, flags: { config?: string | undefined; port?: string | undefined; host?: string | undefined; drive?: string | undefined }): Readonly<RevcamConfig> {
  const port = parsePort(flags.port, command);
  if (flags.drive !== undefined && !(DRIVE_NAMES as readonly string[]).includes(flags.drive)) {
    throw new UsageError(`--drive: no drive named ${flags.drive} (drives: ${DRIVE_NAMES.join(', ')})`, command);
  }
  return loadConfig({
    ...(flags.config !== undefined && { file: flags.config }),
    env: process.env,
    overrides: { ...(port !== undefined && { port }), ...(flags.host !== undefined && { host: flags.host }), ...(flags.drive !== undefined && { drive: flags.drive }) },
  });
}

interface Closable {
  close(): Promise<void>;
}

/** Connects to the bus; if that fails, `app` is closed before the error goes on (no service is left running). */
export async function joinBus(app: Closable, connect: () => Promise<Closable>): Promise<Closable> {
  try {
    return await connect();
  } catch (err) {
    await app.close();
    throw err;
  }
}

export interface RunOptions {
  /** Whether the services answer (the watchdog pings only then): the reverse-gear service is not `failed`. */
  healthy?: () => boolean;
  log?: NotifyLog;
  /**
   * Live reload on SIGHUP (docs/deploy.md "Live reload"; systemd's ExecReload). The reload logs its
   * outcome; a refused config is also printed one line per mistake on stderr, as at start-up.
   * Without it SIGHUP is ignored with one line on stderr (a process started without a config file, `revcam host`).
   */
  reload?: () => Promise<unknown>;
}

/**
 * Serves until SIGINT or SIGTERM, then closes the bus and the app within the shutdown deadline.
 * Under systemd ($NOTIFY_SOCKET): READY=1 now (the caller is listening and its standby services are warm),
 * WATCHDOG=1 while healthy, STOPPING=1 when the stop begins (src/systemd/notify.ts).
 */
export async function runUntilStopped(app: Closable, bus?: Closable, opts: RunOptions = {}): Promise<number> {
  const stopped = untilStopSignal();
  // Loaded only under systemd and with test hooks on: the boot's module graph stays as it was.
  if (process.env.REVCAM_TEST_HOOKS === '1') (await import('../systemd/testHooks.js')).installTestHooks();
  const systemd = process.env.NOTIFY_SOCKET ? (await import('../systemd/notify.js')).startSystemdNotify(opts) : undefined;
  const onHangUp = () => {
    if (!opts.reload) return void process.stderr.write('revcam: SIGHUP ignored: no config file to reload (revcam serve --config FILE and revcam gateway --config FILE reload theirs)\n');
    opts.reload().catch((err: unknown) => {
      const lines = (err as { lines?: unknown }).lines;
      const text = Array.isArray(lines) ? lines : [(err as Error).message];
      process.stderr.write(text.map((l) => `revcam: reload refused: ${String(l)}\n`).join(''));
    });
  };
  // Node's default for SIGHUP ends the process: with a listener it is a reload instead.
  process.on('SIGHUP', onHangUp);
  await stopped;
  process.off('SIGHUP', onHangUp);
  const told = systemd?.stopping();
  await closeWithin(async () => {
    await bus?.close();
    await app.close();
  });
  await told;
  return 0;
}

/** The reverse-gear service answers: its instance (if this process runs one) has not failed for good. */
export function reverseServiceHealthy(app: { host: ServiceHost; config: Readonly<RevcamConfig> }): () => boolean {
  return () => app.host.get(app.config.reverse.service)?.state !== 'failed';
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
