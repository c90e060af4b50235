/**
 * Which web pages may open a WebSocket or POST to revcam. A browser sends
 * `Origin` on every WebSocket upgrade and cross-site POST, and a WebSocket is
 * not protected by CORS: without this check any page the head unit's browser
 * opens could watch the camera or move the simulated gear with the loopback
 * demo's anonymous rights. Clients that send no Origin are not browsers; they
 * still have to authenticate.
 *
 * Same origin counts only for an IP-literal or `localhost` host: a page on
 * `evil.example` whose name is re-bound to 127.0.0.1 (DNS rebinding) is same
 * origin by the headers alone. A display reached by name is listed in
 * `server.allowedOrigins`.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { RevcamError } from '../errors/RevcamError.js';

export class OriginPolicy {
  readonly #allowed: Set<string>;
  readonly #scheme: 'http:' | 'https:';

  /** `allowed`: `server.allowedOrigins` (`scheme://host[:port]`); `secure`: the server speaks TLS. */
  constructor(allowed: readonly string[], secure: boolean) {
    this.#scheme = secure ? 'https:' : 'http:';
    this.#allowed = new Set(
      allowed.map((o) => {
        try {
          return new URL(o).origin;
        } catch {
          throw new TypeError(`server.allowedOrigins: ${JSON.stringify(o)} is not an origin (scheme://host[:port])`);
        }
      }),
    );
  }

  /** Why the request's Origin is refused, or undefined when it may go on. */
  problem(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined; // not a browser
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return `Origin ${JSON.stringify(origin)} is not allowed`;
    }
    if (parsed.origin !== 'null' && this.#allowed.has(parsed.origin)) return undefined;
    if (parsed.protocol === this.#scheme && sameHost(parsed, req.headers.host, this.#scheme)) return undefined;
    return `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed (same origin or server.allowedOrigins only)`;
  }

  /** Throws FORBIDDEN when the request's Origin is refused. */
  check(req: IncomingMessage): void {
    const problem = this.problem(req);
    if (problem) throw new RevcamError('FORBIDDEN', problem);
  }
}

/** The Origin's host:port equals the Host header's (default ports normalised by URL), and it names no DNS name but localhost. */
function sameHost(origin: URL, hostHeader: string | undefined, scheme: string): boolean {
  if (!hostHeader) return false;
  const name = origin.hostname.replace(/^\[|\]$/g, '');
  if (isIP(name) === 0 && name !== 'localhost') return false;
  try {
    return new URL(`${scheme}//${hostHeader}`).host === origin.host;
  } catch {
    return false;
  }
}
