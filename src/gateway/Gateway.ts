/**
 * The HTTP face of revcam: health, service list, metrics, the display app,
 * MJPEG, and the upgrade to the stream WebSocket. Each request is handled on
 * its own; a failure answers that request with a coded error and nothing else.
 */
import { bootMarks } from '../app/bootMarks.js';
import { spareHostPid } from '../host/spareHost.js';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LimitsConfig } from '../config/types.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { ConnectionsPerAddress } from '../limits/connectionsPerAddress.js';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import { redactUrl, type Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { CALIBRATION_PATH, handleCalibrationHttp, type CalibrationHttpDeps } from '../transport/calibrationHttp.js';
import { EVENTS_PATH, handleEventsHttp, type EventsHttpDeps } from '../transport/eventsHttp.js';
import { H264_PATH, serveH264 } from '../transport/h264HttpTransport.js';
import { MJPEG_PATH, serveMjpeg } from '../transport/mjpegTransport.js';
import type { OverlayTaps } from '../transport/overlayTap.js';
import { handleSignalsHttp, SIGNALS_PATH, type SignalsHttpDeps } from '../transport/signalsHttp.js';
import type { SignalsWsTransport } from '../transport/signalsWs.js';
import { STREAM_PATH, WsTransport } from '../transport/wsTransport.js';
import { WHEP_PREFIX, WhepEndpoint } from '../whep/WhepEndpoint.js';
import { CONFIG_RELOAD_PATH, handleConfigReloadHttp, type ConfigReloadHttpDeps } from '../transport/configReloadHttp.js';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { OriginPolicy } from './origin.js';
import { requestUrl } from './requestUrl.js';
import { serveStatic } from './staticFiles.js';

export interface GatewayDeps {
  host: ServiceHost;
  hub: StreamHub;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
  overlayTaps: OverlayTaps;
  /** Vehicle signals: POST/GET /api/signals and the WebSocket displays follow the gear on. */
  signals: { http: SignalsHttpDeps; ws: SignalsWsTransport; forVehicle?: (vehicle: string | null) => { http: SignalsHttpDeps; ws: SignalsWsTransport } };
  /** Transport security (docs/security.md): TLS (HTTPS/WSS only) and the origins allowed to open WebSockets and POST. */
  transport?: { tls?: HttpsOptions; allowedOrigins?: readonly string[] };
  /** Connections per address and header timeout (default: the config defaults). */
  limits?: Pick<LimitsConfig, 'maxConnectionsPerAddress' | 'headersTimeoutMs'>;
  /** Installer calibration: GET/POST /api/calibration (docs/calibration.md); 404 without it. */
  calibration?: CalibrationHttpDeps;
  /** What displays are told in `accepted` (config `display`). */
  display?: { maxFrameAgeMs: number };
  /** The recorder's clips: /api/events (docs/recorder.md); 404 without it. */
  events?: EventsHttpDeps;
  /** POST /api/config/reload (docs/deploy.md "Live reload"); 404 without it. */
  configReload?: ConfigReloadHttpDeps;
}

/** What a live reload changes in the gateway itself (Gateway.reconfigure); each part left out stays as it is. */
export interface GatewayReconfig {
  allowedOrigins?: readonly string[];
  limits?: Pick<LimitsConfig, 'maxConnectionsPerAddress' | 'headersTimeoutMs' | 'bodyTimeoutMs'>;
  display?: { maxFrameAgeMs: number };
  /** New certificate, key and CA for connections from now on; open TLS connections keep theirs. */
  tls?: Pick<SecureContextOptions, 'cert' | 'key' | 'ca'>;
}

/** How long a refused (over-limit) connection may linger for its 503 to be read. */
const REFUSED_LINGER_MS = 1_000;

/** Raw bytes: a refused connection is answered before any request is parsed. */
function capacityResponse(max: number): string {
  const body = JSON.stringify({ error: { code: 'CAPACITY_EXCEEDED', message: `at most ${max} connections per client address (limits.maxConnectionsPerAddress)` } });
  return `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/** A request that carries a body (to an endpoint that takes none it is refused unread). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = RevcamError.from(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e.code === 'CAPACITY_EXCEEDED') res.setHeader('Retry-After', '1');
  sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}

/** Answers an upgrade with a coded JSON error instead of switching protocols. */
function refuseUpgrade(socket: Duplex, err: RevcamError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  socket.end(`HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class Gateway {
  readonly server: Server;
  readonly ws: WsTransport;
  /** WHEP (docs/whep.md): WebRTC viewers, werift loaded on the first offer. */
  readonly whep: WhepEndpoint;
  #deps: GatewayDeps;
  #origins: OriginPolicy;
  readonly #secure: boolean;
  readonly #perAddress: ConnectionsPerAddress;
  #started = Date.now();
  /** Sockets over maxConnectionsPerAddress: answered 503 at accept; any request on them is ignored. */
  #refused = new WeakSet<Socket>();
  /** MJPEG / H.264 responses in progress: a shutdown ends them properly. */
  #streaming = new Set<ServerResponse>();

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.ws = new WsTransport(deps);
    this.whep = new WhepEndpoint({ ...deps, bodyTimeoutMs: deps.signals.http.bodyTimeoutMs, listeningAddress: () => (this.server.address() as AddressInfo | null)?.address });
    const tls = deps.transport?.tls;
    this.#secure = tls !== undefined;
    this.#origins = new OriginPolicy(deps.transport?.allowedOrigins ?? [], this.#secure);
    const limits = deps.limits ?? DEFAULT_CONFIG.limits;
    // Node checks header (and request) timeouts on this interval (default 30 s): check often enough to honour ours.
    const checkEveryMs = Math.max(100, Math.min(1_000, limits.headersTimeoutMs));
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (this.#refused.has(req.socket)) return;
      this.#route(req, res).catch((err) => {
        const e = RevcamError.from(err);
        if (e.code === 'INTERNAL') deps.log.error({ err, url: redactUrl(req.url) }, 'request failed');
        sendError(res, e);
      });
    };
    // With TLS the gateway speaks HTTPS and WSS only: no plain listener exists.
    this.server = tls ? createHttpsServer({ ...tls, connectionsCheckingInterval: checkEveryMs }, onRequest) : createServer({ connectionsCheckingInterval: checkEveryMs }, onRequest);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#refused.has(socket as Socket)) return;
      let url: URL;
      try {
        url = requestUrl(req);
      } catch {
        return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      }
      const refused = this.#origins.problem(req);
      if (refused) {
        deps.log.warn({ origin: req.headers.origin?.slice(0, 200), path: url.pathname }, 'WebSocket from a foreign origin refused');
        return refuseUpgrade(socket, new RevcamError('FORBIDDEN', refused));
      }
      if (url.pathname === STREAM_PATH) this.ws.handleUpgrade(req, socket, head);
      else if (url.pathname === SIGNALS_PATH) {
        let signals: { ws: SignalsWsTransport };
        try {
          signals = this.#signalsFor(url);
        } catch (err) {
          return refuseUpgrade(socket, RevcamError.from(err));
        }
        signals.ws.handleUpgrade(req, socket, head);
      }
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    // A client that opens a socket and never sends a request must not hold it forever.
    this.server.headersTimeout = limits.headersTimeoutMs;
    // Not Node's requestTimeout: bodies are timed where they are read (limits.bodyTimeoutMs,
    // signalsHttp), endpoints without a body refuse one unread, and streams are long-lived responses.
    this.server.requestTimeout = 0;
    const perAddress = (this.#perAddress = new ConnectionsPerAddress(limits.maxConnectionsPerAddress));
    this.server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const within = perAddress.open(address);
      socket.once('close', () => perAddress.close(address));
      if (within) return;
      // Over the limit: answer at once and close; the others from that address are untouched.
      // (Under TLS no plaintext answer is possible before the handshake: just close.)
      if ('setSecureContext' in this.server) return void socket.destroy();
      this.#refused.add(socket);
      socket.end(capacityResponse(perAddress.max));
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    });
  }

  /**
   * Live reload: origins, connection limits and header timeout, what displays are told, and the TLS
   * certificate take effect for the requests and connections that come next; open ones are untouched.
   * Throws TypeError for a bad origin or TLS material (before anything is changed).
   */
  reconfigure(change: GatewayReconfig): void {
    const origins = change.allowedOrigins && new OriginPolicy(change.allowedOrigins, this.#secure);
    if (change.tls) {
      const server = this.server as Server & { setSecureContext?: (o: SecureContextOptions) => void };
      if (!server.setSecureContext) throw new TypeError('server.tls: this server speaks plain HTTP; TLS needs a restart');
      createSecureContext(change.tls); // a key that does not fit its certificate throws here, before anything changes
      server.setSecureContext(change.tls);
    }
    if (origins) this.#origins = origins;
    if (change.limits) {
      this.#perAddress.max = change.limits.maxConnectionsPerAddress;
      this.server.headersTimeout = change.limits.headersTimeoutMs;
      this.whep.useBodyTimeoutMs(change.limits.bodyTimeoutMs);
    }
    if (change.display) this.#deps.display = change.display;
  }

  /** /api/signals of the vehicle `?vehicle=` names (docs/protocol.md §6.6); throws NOT_FOUND for one not seen here. */
  #signalsFor(url: URL): { http: SignalsHttpDeps; ws: SignalsWsTransport } {
    const { signals } = this.#deps;
    return signals.forVehicle ? signals.forVehicle(url.searchParams.get('vehicle')) : signals;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { auth, metrics, host, hub } = this.#deps;
    const url = requestUrl(req);
    // A page on another origin may not POST (the gear is a POST).
    if (req.method !== 'GET' && req.method !== 'HEAD') this.#origins.check(req);
    if (url.pathname === SIGNALS_PATH) return handleSignalsHttp(req, res, this.#signalsFor(url).http);
    if (url.pathname.startsWith(WHEP_PREFIX)) return this.whep.handle(req, res, url);
    if (url.pathname === CALIBRATION_PATH && this.#deps.calibration && (req.method === 'POST' || !hasBody(req))) return handleCalibrationHttp(req, res, this.#deps.calibration);
    if (url.pathname === CONFIG_RELOAD_PATH && this.#deps.configReload) return handleConfigReloadHttp(req, res, this.#deps.configReload);
    const events = this.#deps.events;
    if (events && (url.pathname === EVENTS_PATH || url.pathname.startsWith(`${EVENTS_PATH}/`)) && (req.method === 'POST' || !hasBody(req))) return handleEventsHttp(req, res, url, events);
    // Nothing else takes a body: refuse it unread (Connection: close, so Node does not drain it either).
    if (hasBody(req)) {
      res.setHeader('Connection', 'close');
      throw new RevcamError('MESSAGE_TOO_LARGE', `${url.pathname} takes no request body`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } });
    switch (url.pathname) {
      case '/api/health':
        return sendJson(res, 200, {
          status: 'ok',
          uptimeS: Math.round((Date.now() - this.#started) / 1000),
          services: host.instances().map((i) => ({ id: i.id, state: i.state })),
          boot: bootMarks(),
          // A spare service host waits (serviceHost.spare): what a cold start will take.
          spareHost: spareHostPid() !== undefined,
        });
      case '/api/services':
        auth.authorize(await auth.fromRequest(req, url), { kind: 'admin' });
        return sendJson(res, 200, {
          // Every instance the hub can stream from: this process's children and those other hosts announce on NATS.
          services: hub.endpoints().map((i) => ({
            id: i.id,
            name: i.manifest.name,
            version: i.manifest.version,
            kind: i.manifest.kind,
            vehicle: i.vehicle ?? null,
            location: i.location,
            state: i.state,
            cameras: hub.registry.get(i.id)?.cameras ?? [],
            codecs: i.manifest.codecs,
            viewers: hub.viewersOf(i.id),
            restarts: i.restarts,
            ...(i.lastError && { lastError: i.lastError }),
          })),
        });
      case '/api/sessions':
        auth.authorize(await auth.fromRequest(req, url), { kind: 'admin' });
        return sendJson(res, 200, hub.sessions.list());
      case '/metrics': {
        auth.authorize(await auth.fromRequest(req, url), { kind: 'admin' });
        const { text, contentType } = await metrics.render();
        res.writeHead(200, { 'Content-Type': contentType });
        return void res.end(text);
      }
      case MJPEG_PATH:
      case H264_PATH: {
        const serve = url.pathname === MJPEG_PATH ? serveMjpeg : serveH264;
        this.#streaming.add(res);
        res.once('close', () => this.#streaming.delete(res));
        return serve(req, res, url, this.#deps).catch((err: unknown) => {
          metrics.requests.inc({ outcome: RevcamError.from(err).code });
          throw err;
        });
      }
      case STREAM_PATH:
        return sendJson(res, 426, { error: { code: 'BAD_REQUEST', message: 'this endpoint speaks WebSocket only' } });
    }
    const served = serveStatic(req, res, url.pathname);
    if (served) return served;
    throw new RevcamError('NOT_FOUND', `nothing at ${url.pathname}`);
  }

  /** Shutdown: viewers are told (STREAM_ENDED, close 1001), HTTP streams end with their last chunk, then every socket closes. */
  async close(): Promise<void> {
    const ended = [...this.#streaming].map((res) => new Promise<void>((resolve) => {
      res.once('close', resolve);
      if (res.headersSent) res.end();
      else res.destroy();
    }));
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 500).unref());
    this.whep.close();
    await Promise.all([this.ws.close(), Promise.race([Promise.all(ended), timeout])]);
    this.#deps.signals.ws.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
