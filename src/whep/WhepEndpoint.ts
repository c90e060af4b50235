/**
 * WHEP (RFC 9725) on the gateway: a viewer POSTs an SDP offer to
 * /whep/{service}/{camera} and gets 201 Created with the SDP answer and the
 * session's URL in `Location`; DELETE on that URL ends the session. ICE is
 * not trickled: the answer carries every candidate, so PATCH is answered 405.
 *
 * The offer goes through the same steps as /api/stream and /stream.h264,
 * in this order, and each refusal is a coded JSON error with the catalogue's
 * status (src/errors/RevcamError.ts): device auth (401/403), the request
 * (`vehicle=` and the rest of the query, 400), Content-Type (415), body size
 * and time (413/408), the offer itself (400; 415 without H.264
 * packetization-mode=1), then matching and the viewer limits of the hub
 * (404 SERVICE_NOT_FOUND / CAMERA_NOT_AVAILABLE, 503 CAPACITY_EXCEEDED ...).
 * A peer connection is made only after all of them passed.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import { streamRequestFromQuery } from '../request/StreamRequest.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { readBody } from '../transport/signalsHttp.js';
import { checkOffer } from './offer.js';
import { iceBindingFor, keepCandidatesOf, loadWerift, peerConfig } from './werift.js';
import type { WhepSession } from './WhepSession.js';
import { streamAction } from '../device/streamAction.js';

export const WHEP_PREFIX = '/whep/';
export const WHEP_SESSIONS = '/whep/sessions/';
/** Largest offer read (a browser's offer is 5-10 KB). */
export const MAX_OFFER_BYTES = 32 * 1024;
/** How long the answer waits for ICE gathering (host candidates only: milliseconds in practice). */
const GATHER_TIMEOUT_MS = 3_000;
const ALLOW_ENDPOINT = 'OPTIONS, POST';
const ALLOW_SESSION = 'DELETE, OPTIONS';

export interface WhepDeps {
  hub: StreamHub;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
  /** Time allowed for the offer's body (limits.bodyTimeoutMs). */
  bodyTimeoutMs?: number;
  /** The address the gateway listens on: candidates are gathered on the same interface. */
  listeningAddress: () => string | undefined;
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body = ''): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendCoded(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, JSON.stringify({ error: { code, message } }));
}

/** `/whep/{service}/{camera}` → its two names, or undefined for any other shape. */
function endpointNames(pathname: string): { service: string; camera: string } | undefined {
  const parts = pathname.slice(WHEP_PREFIX.length).split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  try {
    return { service: decodeURIComponent(parts[0]!), camera: decodeURIComponent(parts[1]!) };
  } catch {
    return undefined;
  }
}

export class WhepEndpoint {
  #deps: WhepDeps;
  #sessions = new Map<string, WhepSession>();

  constructor(deps: WhepDeps) {
    this.#deps = deps;
  }

  /** Live reload: the time allowed for an offer's body from now on (limits.bodyTimeoutMs). */
  useBodyTimeoutMs(ms: number): void {
    this.#deps = { ...this.#deps, bodyTimeoutMs: ms };
  }

  /** Live sessions (for tests and shutdown). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Handles every request under /whep/. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith(WHEP_SESSIONS)) {
      if (method === 'OPTIONS') return send(res, 204, { Allow: ALLOW_SESSION });
      if (method === 'DELETE') return this.#delete(req, res, url);
      // Trickle ICE and ICE restarts are not supported (RFC 9725 §4.3.1): the answer holds every candidate.
      res.setHeader('Connection', 'close');
      return sendCoded(res, 405, 'BAD_REQUEST', `${method} is not supported on a WHEP session (no trickle ICE: the answer carries every candidate)`, { Allow: ALLOW_SESSION });
    }
    if (endpointNames(url.pathname) === undefined) throw new RevcamError('NOT_FOUND', `nothing at ${url.pathname}; WHEP endpoints are /whep/{service}/{camera}`);
    // RFC 9725 §4.2: OPTIONS may be answered (CORS preflight); revcam allows its own origins only, so no CORS headers.
    if (method === 'OPTIONS') return send(res, 204, { Allow: ALLOW_ENDPOINT, 'Accept-Post': 'application/sdp' });
    if (method !== 'POST') {
      res.setHeader('Connection', 'close');
      return sendCoded(res, 405, 'BAD_REQUEST', `${method} is not allowed on a WHEP endpoint; POST an SDP offer`, { Allow: ALLOW_ENDPOINT });
    }
    return this.#post(req, res, url);
  }

  async #post(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { hub, auth, metrics, log } = this.#deps;
    const names = endpointNames(url.pathname)!;
    try {
      // The path names the stream; the query may add `vehicle` (and the other request fields), never rename it.
      if (url.searchParams.has('service') || url.searchParams.has('camera') || url.searchParams.has('codec')) {
        throw new RevcamError('BAD_REQUEST', 'service and camera are named by the path (/whep/{service}/{camera}) and the codec is H.264');
      }
      const query = new URL(url.href);
      query.searchParams.set('service', names.service);
      query.searchParams.set('camera', names.camera);
      const request = streamRequestFromQuery(query, 'h264');
      const device = await auth.fromRequest(req, url);
      auth.authorize(device, streamAction(hub.registry, request));
      const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/sdp') {
        res.setHeader('Connection', 'close');
        metrics.requests.inc({ outcome: 'BAD_REQUEST' });
        return sendCoded(res, 415, 'BAD_REQUEST', `Content-Type must be application/sdp, got ${JSON.stringify(type || 'none')}`, { 'Accept-Post': 'application/sdp' });
      }
      const sdp = await readBody(req, MAX_OFFER_BYTES, this.#deps.bodyTimeoutMs ?? 5_000);
      // The session's RTP modules come with werift, at the first offer: boot does not load them.
      const [werift, { WhepSession }] = await Promise.all([loadWerift(), import('./WhepSession.js')]);
      const offer = checkOffer(sdp, (text) => werift.SessionDescription.parse(text));
      const id = randomBytes(16).toString('base64url');
      const session = new WhepSession(id, device.id, { hub, log, werift, onEnd: (s) => this.#sessions.delete(s.id) });
      // Matching, limits (the viewer counts against limits.maxViewers like any other) and the stream's opening.
      const sub = await hub.subscribe(request, session.sink, { transport: 'whep', device });
      this.#sessions.set(id, session);
      let answer: string;
      try {
        const ice = iceBindingFor(this.#deps.listeningAddress());
        const pc = new werift.RTCPeerConnection(peerConfig(werift, offer.parameters, offer.absCaptureTimeId, ice));
        answer = keepCandidatesOf(await session.start(sub, pc, sdp, offer.payloadType, offer.absCaptureTimeId, GATHER_TIMEOUT_MS), ice);
      } catch (err) {
        session.end('error', (err as Error).message);
        throw err instanceof RevcamError ? err : new RevcamError('BAD_REQUEST', `the offer could not be answered: ${(err as Error).message}`);
      }
      if (session.closed) throw new RevcamError('SERVICE_FAILED', 'the session ended before it was answered');
      metrics.requests.inc({ outcome: 'accepted' });
      log.info({ session: id, viewer: session.viewerId, stream: sub.stream.id, device: device.id }, 'whep viewer joined');
      send(res, 201, { 'Content-Type': 'application/sdp', Location: `${WHEP_SESSIONS}${id}` }, answer);
    } catch (err) {
      const e = RevcamError.from(err);
      metrics.requests.inc({ outcome: e.code });
      // A refused or timed-out body is not read further.
      if (e.code === 'MESSAGE_TOO_LARGE' || e.code === 'REQUEST_TIMEOUT' || e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN') res.setHeader('Connection', 'close');
      throw e;
    }
  }

  /** DELETE /whep/sessions/{id}: only the device that opened the session may end it; any other gets 404 (the URL is the capability). */
  async #delete(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const device = await this.#deps.auth.fromRequest(req, url);
    const session = this.#sessions.get(url.pathname.slice(WHEP_SESSIONS.length));
    if (!session || session.deviceId !== device.id) throw new RevcamError('NOT_FOUND', 'no such WHEP session');
    session.end('client closed');
    send(res, 200, {});
  }

  /** Shutdown: every session ends (its viewer leaves, its peer connection closes). */
  close(): void {
    for (const s of [...this.#sessions.values()]) s.end('server shutdown');
  }
}
