import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr, so a CLI's stdout (probe --json) stays machine-readable. */
export function createLogger(level: string, name = 'revcam'): Logger {
  return pino({ name, level }, pino.destination(2));
}
