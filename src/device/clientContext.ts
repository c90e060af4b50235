/**
 * Who is at the other end of a request, as far as the transport can tell:
 * the token it presented, its address (the socket peer, or the client a
 * trusted proxy forwarded), and the common name of a verified TLS client
 * certificate. DeviceAuth turns this into a Device.
 */
import type { IncomingMessage } from 'node:http';

export interface ClientContext {
  token: string | undefined;
  /** The client's address: the socket peer, or the forwarded client when the peer is a trusted proxy. */
  address: string | undefined;
  /** The request came through a trusted proxy: it is never treated as loopback. */
  forwarded: boolean;
  /** Common name of a verified TLS client certificate (mTLS). */
  certCommonName?: string;
}

/** The token a request carries: `Authorization: Bearer`, else `?token=`. */
export function tokenFrom(headers: Record<string, string | string[] | undefined>, url: URL): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** The client context of an HTTP request or WebSocket upgrade; `token` (from a message body) wins over headers. */
export function clientFrom(req: IncomingMessage, url: URL, token?: string): ClientContext {
  return { token: token ?? tokenFrom(req.headers, url), address: req.socket.remoteAddress, forwarded: false };
}
