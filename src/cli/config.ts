/**
 * `revcam config check FILE`: validates a config file as `revcam serve --config FILE` would load it and prints
 * the effective config (defaults, then the file, then REVCAM_* variables), secrets redacted. An invalid file
 * is one `invalid config: <pointer>: <mistake>` line per mistake on stderr, exit 1 (src/config/configErrors.ts).
 */
import { createRequire } from 'node:module';
import { loadConfig } from '../config/loadConfig.js';
import type { RevcamConfig } from '../config/types.js';
import { checkBindSafety } from '../gateway/bindSafety.js';
import { Exit, parseCommandArgs, UsageError } from './usage.js';

export const CONFIG_USAGE = `usage: revcam config check FILE [--json]

Checks a YAML or JSON config file as revcam serve --config FILE loads it:
defaults, then the file, then REVCAM_HOST, REVCAM_PORT and REVCAM_LOG_LEVEL.
A file names only what it changes; every other field keeps its default
(examples/revcam.yaml lists them all; docs/config.md).

Valid: prints the effective config (YAML, or JSON with --json) and exits 0.
Secrets are redacted: device token and tokenHash, nats.pass and nats.token
print as "<redacted>"; file paths (certificates, keys, nkey seed, creds) show.
Invalid: one line per mistake on stderr, naming the field, what was found and
what is allowed, and exits 1, e.g.
  revcam: invalid config: /server/port: 70000 is not an integer from 0 to 65535
  revcam: invalid config: /cameras/rear/fsp: unknown property (did you mean "fps"?)
A mistake on the command line exits 2.

Files the config names (TLS certificates, NATS credentials, service manifests)
are read when revcam starts, not by this check.

options:
  --json       print the effective config as JSON (default: YAML)
  -h, --help   this help

example:
  revcam config check /etc/revcam/revcam.yaml
  revcam config check revcam.yaml --json | jq .server
`;

const REDACTED = '<redacted>';

/** The config with its secrets replaced by "<redacted>": device token and tokenHash, nats.pass and nats.token. */
export function redactConfig(config: Readonly<RevcamConfig>): RevcamConfig {
  // Through JSON: the defaults share objects (roles' lists), which YAML would print as anchors and aliases.
  const out = JSON.parse(JSON.stringify(config)) as RevcamConfig;
  out.auth.devices = out.auth.devices.map((d) => ({ ...d, ...(d.token !== undefined && { token: REDACTED }), ...(d.tokenHash !== undefined && { tokenHash: REDACTED }) }));
  if (out.nats.pass !== null) out.nats.pass = REDACTED;
  if (out.nats.token !== null) out.nats.token = REDACTED;
  return out;
}

export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('config', {
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(CONFIG_USAGE);
    return Exit.ok;
  }
  const [sub, file, extra] = positionals;
  if (sub === undefined) throw new UsageError('no subcommand given (subcommands: check)', 'config');
  if (sub !== 'check') throw new UsageError(`unknown subcommand ${sub} (subcommands: check)`, 'config');
  if (file === undefined) throw new UsageError('check: no FILE given', 'config');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`, 'config');
  const config = loadConfig({ file, env: process.env });
  // Refused at start as well: a non-loopback address with no device credential.
  checkBindSafety(config);
  const shown = redactConfig(config);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else {
    const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    process.stdout.write(`# ${file} is valid. The effective config (defaults, the file, REVCAM_* variables); secrets redacted.\n${stringify(shown)}`);
  }
  return Exit.ok;
}
