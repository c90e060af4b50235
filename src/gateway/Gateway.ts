/**
 * The HTTP face of revcam: health, service list, metrics, the display app,
 * MJPEG, and the upgrade to the stream WebSocket. Each request is handled on
 * its own; a failure answers that request with a coded error and nothing else.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { H264_PATH, serveH264 } from '../transport/h264HttpTransport.js';
import { MJPEG_PATH, serveMjpeg } from '../transport/mjpegTransport.js';
import type { OverlayTaps } from '../transport/overlayTap.js';
import { handleSignalsHttp, SIGNALS_PATH, type SignalsHttpDeps } from '../transport/signalsHttp.js';
import type { SignalsWsTransport } from '../transport/signalsWs.js';
import { STREAM_PATH, WsTransport } from '../transport/wsTransport.js';
import { sendStatic, staticPath } from './staticFiles.js';

export interface GatewayDeps {
  host: ServiceHost;
  hub: StreamHub;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
  overlayTaps: OverlayTaps;
  /** Vehicle signals: POST/GET /api/signals and the WebSocket displays follow the gear on. */
  signals: { http: SignalsHttpDeps; ws: SignalsWsTransport };
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
  sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}

export class Gateway {
  readonly server: Server;
  readonly ws: WsTransport;
  #deps: GatewayDeps;
  #started = Date.now();

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.ws = new WsTransport(deps);
    this.server = createServer((req, res) => {
      this.#route(req, res).catch((err) => {
        const e = RevcamError.from(err);
        if (e.code === 'INTERNAL') deps.log.error({ err, url: req.url }, 'request failed');
        sendError(res, e);
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === STREAM_PATH) this.ws.handleUpgrade(req, socket, head);
      else if (url.pathname === SIGNALS_PATH) deps.signals.ws.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    // A client that opens a socket and never sends a request must not hold it forever.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 0; // streams are long-lived responses
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
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === SIGNALS_PATH) return handleSignalsHttp(req, res, this.#deps.signals.http);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } });
    switch (url.pathname) {
      case '/api/health':
        return sendJson(res, 200, {
          status: 'ok',
          uptimeS: Math.round((Date.now() - this.#started) / 1000),
          services: host.instances().map((i) => ({ id: i.id, state: i.state })),
        });
      case '/api/services':
        auth.authorize(auth.fromRequest(req, url), { kind: 'admin' });
        return sendJson(res, 200, {
          services: host.instances().map((i) => ({
            id: i.id,
            name: i.manifest.name,
            version: i.manifest.version,
            kind: i.manifest.kind,
            state: i.state,
            cameras: hub.registry.get(i.id)?.cameras ?? [],
            codecs: i.manifest.codecs,
            viewers: hub.viewersOf(i.id),
            restarts: i.restarts,
            ...(i.lastError && { lastError: i.lastError }),
          })),
        });
      case '/api/sessions':
        auth.authorize(auth.fromRequest(req, url), { kind: 'admin' });
        return sendJson(res, 200, hub.sessions.list());
      case '/metrics': {
        auth.authorize(auth.fromRequest(req, url), { kind: 'admin' });
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        return void res.end(text);
      }
      case MJPEG_PATH:
      case H264_PATH: {
        const serve = url.pathname === MJPEG_PATH ? serveMjpeg : serveH264;
        return serve(req, res, url, this.#deps).catch((err: unknown) => {
          metrics.requests.inc({ outcome: RevcamError.from(err).code });
          throw err;
        });
      }
      case STREAM_PATH:
        return sendJson(res, 426, { error: { code: 'BAD_REQUEST', message: 'this endpoint speaks WebSocket only' } });
    }
    const file = staticPath(url.pathname);
    if (file && (await sendStatic(res, file))) return;
    throw new RevcamError('NOT_FOUND', `nothing at ${url.pathname}`);
  }

  async close(): Promise<void> {
    this.ws.close();
    this.#deps.signals.ws.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
