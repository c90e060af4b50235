#!/usr/bin/env node
/** The `revcam` command: serve, probe. */
import { ConfigError } from '../config/loadConfig.js';
import { SERVE_USAGE, serveCommand } from './serve.js';

const USAGE = `usage:
  ${SERVE_USAGE}
  revcam probe <url> [--frames N] [--json] [--service S] [--camera C] [--codec jpeg|h264] [--token T]
  revcam token --device ID --role ROLE [--json]
  revcam bench [--quick] [--cases 1,2,...] [--viewers 1,50,200] [--stall-seconds 60]
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return serveCommand(rest);
    case 'probe': {
      const { probeCommand } = await import('./probe.js');
      return probeCommand(rest);
    }
    case 'token': {
      const { tokenCommand } = await import('./token.js');
      return tokenCommand(rest);
    }
    case 'bench': {
      const { benchCommand } = await import('../../bench/run.js');
      return benchCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`revcam: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`revcam: ${msg}\n`);
    process.exit(1);
  },
);
