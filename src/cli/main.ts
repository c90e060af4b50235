#!/usr/bin/env node
/**
 * The `revcam` command: serve, host, gateway, probe, bench, token, config.
 * Every command's module graph is loaded on demand, so `serve` can start its
 * spare service host (src/host/spareHost.ts) before loading its own.
 */
// First: the boot clock's first mark is "node is up, revcam's code runs".
import { markBoot } from '../app/bootMarks.js';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packageFile, packageVersion } from '../app/packageFiles.js';
import { preforkSpareHost } from '../host/spareHost.js';
import { Exit, UsageError } from './usage.js';

markBoot('main');

// serveUsage.js (it reads the config defaults) is loaded for --help only: `serve` forks its spare host before.
const usage = (serveUsage: string) => `usage: revcam <command> [options]

commands:
  serve    run the gateway, the display app and the services (revcam serve --help)
  host     run one vehicle's services and announce them on NATS (revcam host --help)
  gateway  serve displays for every vehicle on a NATS bus (revcam gateway --help)
  probe    act as a display: request a stream, report frames and latency (revcam probe --help)
  bench    measure first frame, fan-out and stalls against baselines (revcam bench --help)
  token    make a device token and the config line with its hash (revcam token --help)
  events   list, show and export the recorder's event clips (revcam events --help)
  config   check a config file and print the effective config (revcam config --help)

options:
  -h, --help       this help
  -v, --version    the revcam version

example:
  revcam serve --port 8080
  revcam probe http://127.0.0.1:8080 --frames 300 --json
  revcam config check /etc/revcam/revcam.yaml

${serveUsage}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve': {
      // The service host's node boots beside the gateway's module graph (2 cores): reverse gear at boot gets it ready-made.
      if (!rest.includes('--help') && !rest.includes('-h')) preforkSpareHost();
      const { serveCommand } = await import('./serve.js');
      return serveCommand(rest);
    }
    case 'host': {
      const { hostCommand } = await import('./host.js');
      return hostCommand(rest);
    }
    case 'gateway': {
      const { gatewayCommand } = await import('./gateway.js');
      return gatewayCommand(rest);
    }
    case 'probe': {
      const { probeCommand } = await import('./probe.js');
      return probeCommand(rest);
    }
    case 'token': {
      const { tokenCommand } = await import('./token.js');
      return tokenCommand(rest);
    }
    case 'events': {
      const { eventsCommand } = await import('./events.js');
      return eventsCommand(rest);
    }
    case 'config': {
      const { configCommand } = await import('./config.js');
      return configCommand(rest);
    }
    case 'bench': {
      // The bench measures a checkout: it drives Chromium (playwright-core) and a peer (node-media-server), dev
      // dependencies, and uses bench/fixtures. The npm package holds none of them (docs/deploy.md, "The package").
      const bench = pathToFileURL(packageFile('dist/bench/run.js'));
      if (!existsSync(bench)) {
        process.stderr.write('revcam: bench: not part of the installed package; the bench runs from a git checkout of revcam, with its dev dependencies: npm ci && npm run bench (docs/deploy.md, docs/performance.md)\n');
        return Exit.failed;
      }
      const { benchCommand } = (await import(bench.href)) as typeof import('../../bench/run.js');
      return benchCommand(rest);
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage((await import('./serveUsage.js')).SERVE_USAGE));
      return Exit.ok;
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`revcam ${packageVersion()}\n`);
      return Exit.ok;
    case undefined:
      throw new UsageError('no command given (commands: serve, host, gateway, probe, bench, token, config; revcam --help)');
    default:
      throw new UsageError(`unknown ${cmd.startsWith('-') ? 'option' : 'command'} ${cmd} (commands: serve, host, gateway, probe, bench, token, config; revcam --help)`);
  }
}

/** One line, whatever the error (an invalid config: one per mistake): a user sees what to fix, not a stack (REVCAM_DEBUG=1 adds it). */
function report(err: unknown): number {
  const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
  if (err instanceof UsageError) {
    const help = err.command ? ` (revcam ${err.command} --help)` : '';
    process.stderr.write(`revcam: ${err.command ? `${err.command}: ` : ''}${firstLine(err.message)}${help}\n`);
    return Exit.usage;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const configError = (err as { code?: unknown } | null)?.code === 'CONFIG_INVALID'; // ConfigError, without loading the config module
  // A config's mistakes are one line each (src/config/configErrors.ts): all of them, so one run shows every fix.
  const lines = configError && msg.startsWith('invalid config:') ? msg.split('\n').filter((l) => l.trim() !== '') : [firstLine(msg)];
  process.stderr.write(lines.map((l) => `revcam: ${configError ? '' : 'error: '}${l.trim()}\n`).join(''));
  if (process.env.REVCAM_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return Exit.failed;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(report(err)),
);
