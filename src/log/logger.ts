import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Fields that carry credentials, wherever they sit in a log object: pino
 * replaces their values before anything is written. Never log a credential.
 */
export const REDACTED_PATHS = [
  'token',
  'tokenHash',
  'authorization',
  'cookie',
  'password',
  'pass',
  '*.token',
  '*.tokenHash',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.pass',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
];

/** Query parameters that may carry a credential; their values never reach a log. */
const CREDENTIAL_PARAM = /^(token|access[_-]?token|auth|authorization|api[_-]?key|key|password|passwd|secret|session|sig|signature|cookie)$/i;

/**
 * A request URL fit for a log: every credential-like query parameter's value
 * is replaced by `[redacted]`. Works on a path with a query (`req.url`) or an
 * absolute URL; anything unparsable is reduced to its path.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // a malformed name is logged as sent; its value is still checked below
    }
    return CREDENTIAL_PARAM.test(name.trim()) ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/**
 * JSON logs on stderr, so a CLI's stdout (probe --json) stays machine-readable.
 * `destination` replaces stderr (tests capture the output).
 */
export function createLogger(level: string, name = 'revcam', destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
