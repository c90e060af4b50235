/**
 * GET /stream.h264 served by serveH264 over a revcam app's stream hub, on a
 * port of its own, so the endpoint is tested whatever route the gateway
 * gives it.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { RevcamApp } from '../../../src/app/startRevcam.js';
import { DeviceAuth } from '../../../src/device/DeviceAuth.js';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { H264_PATH, serveH264 } from '../../../src/transport/h264HttpTransport.js';

export async function h264Endpoint(app: RevcamApp): Promise<{ url: (query: string) => string; close(): Promise<void> }> {
  const deps = { hub: app.hub, auth: new DeviceAuth(app.config.auth), metrics: app.metrics, log: app.log };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== H264_PATH) return void res.writeHead(404).end();
    serveH264(req, res, url, deps).catch((err: unknown) => {
      const e = RevcamError.from(err);
      if (!res.headersSent) res.writeHead(e.status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: e.code, message: e.message } }));
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (query) => `http://127.0.0.1:${port}${H264_PATH}?${query}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
