/**
 * `revcam token`: makes a new device token and the config entry that stores
 * only its salted scrypt hash. The token is printed once and kept nowhere.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ROLES } from '../config/defaults.js';
import { hashToken, newToken, TOKEN_BYTES } from '../device/tokenHash.js';

export const TOKEN_USAGE = 'revcam token --device ID --role ROLE [--json]';

const HELP = `usage: ${TOKEN_USAGE}

Makes a new random device token (${TOKEN_BYTES} bytes from the system's CSPRNG, base64url)
and the auth.devices entry that stores only its salted scrypt hash. The token is
printed once: give it to the device (Authorization: Bearer <token>, or ?token=);
revcam keeps only the hash, so a lost token is replaced, not recovered.

options:
  --device ID   the device's id, as logs and /api/sessions name it (a-z, 0-9, -)
  --role ROLE   what it may do: ${Object.keys(DEFAULT_ROLES).filter((r) => r !== 'local').join(', ')},
                or a role defined under auth.roles (docs/security.md, "Roles")
  --json        print {"device","role","token","tokenHash"} as one JSON line instead
  -h, --help    this text

example:
  revcam token --device rear-display --role head-unit
  # then add the printed line under auth.devices in revcam.yaml and restart
`;

const NAME = /^[a-z][a-z0-9-]{0,63}$/;

export async function tokenCommand(argv: string[]): Promise<number> {
  let values: { device?: string | undefined; role?: string | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { device: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return fail(`${(err as Error).message.split('\n')[0]} (see revcam token --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { device, role } = values;
  if (device === undefined || role === undefined) return fail('--device and --role are required (see revcam token --help)');
  if (!NAME.test(device)) return fail(`--device: "${device}" is not a valid id (a lower-case letter, then a-z, 0-9 or -, at most 64)`);
  if (!NAME.test(role)) return fail(`--role: "${role}" is not a valid role name (a lower-case letter, then a-z, 0-9 or -, at most 64)`);
  const token = newToken();
  const tokenHash = hashToken(token);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ device, role, token, tokenHash })}\n`);
  } else {
    process.stdout.write(
      `token for ${device} (shown once; revcam stores only its hash):\n  ${token}\n\n` +
        `add under auth.devices in revcam.yaml:\n  - { id: ${device}, role: ${role}, tokenHash: '${tokenHash}' }\n`,
    );
  }
  if (!Object.hasOwn(DEFAULT_ROLES, role)) process.stderr.write(`revcam token: note: "${role}" is not a built-in role; define it under auth.roles\n`);
  return 0;
}

function fail(line: string): number {
  process.stderr.write(`revcam token: ${line}\n`);
  return 2;
}
