import type { IncomingMessage } from 'node:http';
import { RevcamError } from '../errors/RevcamError.js';

/**
 * The request's URL, parsed against a dummy origin. A request target the URL
 * parser refuses (`//`, `//host:99999/`) is the client's fault: BAD_REQUEST,
 * never an internal error.
 */
export function requestUrl(req: Pick<IncomingMessage, 'url'>): URL {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the request target is not a valid URL path');
  }
}
