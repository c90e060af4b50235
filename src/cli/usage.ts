/**
 * What every `revcam` command shares: a usage error type (one line on stderr,
 * exit 2) and argument parsing that turns node:util's parse errors into such a
 * line. (The package version: src/app/packageFiles.ts.)
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: `revcam: <message>` and exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help explains the fix (`serve`, `probe`, ...). */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes shared by the commands. */
export const Exit = { ok: 0, failed: 1, usage: 2 } as const;

/** parseArgs, strict, with its errors as one-line UsageErrors naming the option. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config); // strict by default: unknown options are errors
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'([^']+)'/.exec(e.message)?.[1];
    const text =
      e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${option ?? ''}`.trim()
      : e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' ? `unexpected argument ${option ?? ''}`.trim()
      : e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? e.message.split('\n')[0]!
      : e.message.split('\n')[0]!;
    throw new UsageError(text, command);
  }
}

