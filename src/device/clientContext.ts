/**
 * Who is at the other end of a request, as far as the transport can tell:
 * the token it presented, its address (the socket peer, or the client a
 * trusted proxy forwarded), and the common name of a verified TLS client
 * certificate. DeviceAuth turns this into a Device.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

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

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one rule covers both spellings of an IPv4 peer. */
function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** The addresses of `server.trustProxy` (single addresses or CIDR ranges); `matches` says whether a peer is one. */
export class TrustedProxies {
  static readonly none = new TrustedProxies([]);
  readonly #list = new BlockList();
  readonly size: number;

  /** Throws TypeError naming the first entry that is neither an IP address nor a CIDR range. */
  constructor(entries: readonly string[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const [ip = '', prefix, extra] = entry.split('/');
      const family = isIP(plainAddress(ip));
      const bits = prefix === undefined ? undefined : Number(prefix);
      const max = family === 6 ? 128 : 32;
      if (!family || extra !== undefined || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max && /^\d+$/.test(prefix!)))) {
        throw new TypeError(`server.trustProxy: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(plainAddress(ip), type);
      else this.#list.addSubnet(plainAddress(ip), bits, type);
    }
  }

  matches(address: string | undefined): boolean {
    if (!address || this.size === 0) return false;
    const a = plainAddress(address);
    const family = isIP(a);
    return family !== 0 && this.#list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** The `X-Forwarded-For` hops, left (original client) to right (nearest proxy). */
function forwardedHops(req: IncomingMessage): string[] {
  const raw = req.headers['x-forwarded-for'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The client behind a trusted proxy: the right-most hop that is not itself a
 * trusted proxy (hops further left could have been written by the client).
 * A hop that is not an IP address makes the client unknown.
 */
function forwardedClient(hops: string[], proxies: TrustedProxies): string | undefined {
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (proxies.matches(hop)) continue;
    return isIP(plainAddress(hop)) ? plainAddress(hop) : undefined;
  }
  return hops.length > 0 ? plainAddress(hops[0]!) : undefined;
}

/** The common name of the peer's TLS client certificate, only when the server's CA verified it. */
function verifiedCommonName(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}

/**
 * The client context of an HTTP request or WebSocket upgrade; `token` (from a message body) wins over headers.
 * Only a peer in `proxies` has its `X-Forwarded-For` believed; every request from such a peer counts as
 * forwarded, so a proxy on loopback never makes its remote clients look local.
 */
export function clientFrom(req: IncomingMessage, url: URL, token?: string, proxies: TrustedProxies = TrustedProxies.none): ClientContext {
  const peer = req.socket.remoteAddress;
  const forwarded = proxies.matches(peer);
  const hops = forwarded ? forwardedHops(req) : [];
  const address = forwarded && hops.length > 0 ? forwardedClient(hops, proxies) : peer;
  const cn = verifiedCommonName(req);
  return { token: token ?? tokenFrom(req.headers, url), address, forwarded, ...(cn !== undefined && { certCommonName: cn }) };
}
