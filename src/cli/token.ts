/**
 * Placeholder for `revcam token` (hashed device tokens); the real command is
 * built on another branch and replaces this file on merge.
 */
export const TOKEN_USAGE = `usage: revcam token --device ID --role ROLE

  prints a new device token once and the config line with its hash
  (not yet implemented in this build)
`;

export async function tokenCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(TOKEN_USAGE);
    return 0;
  }
  process.stderr.write('revcam: token: not yet implemented\n');
  return 2;
}
