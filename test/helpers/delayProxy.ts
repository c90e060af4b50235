/**
 * A relay between a client (a browser page, the probe) and a real revcam that
 * holds every server→client WebSocket message back by `delayMs`, in order:
 * what a congested link or a backed-up buffer does to a stream. Plain HTTP
 * (the page and its scripts) passes at once. Client→server messages are not
 * delayed. `delayMs` may be changed while running; messages keep their order.
 *
 * The relay connects upstream as a non-browser client (no Origin header), so
 * revcam's origin check sees a local tool, as it would behind a real relay.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface DelayProxy {
  /** http://127.0.0.1:port of the relay. */
  url: string;
  /** How long server→client messages are held back, ms. */
  delayMs: number;
  close(): Promise<void>;
}

/** Close codes a peer may not send itself (RFC 6455 §7.4.1). */
const sendable = (code: number): number => (code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code);

export async function startDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const up = new URL(target);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  const proxy: DelayProxy = { url: '', delayMs, close: async () => {} };

  const server = createServer((req, res) => {
    const headers = { ...req.headers, host: up.host };
    delete headers.origin;
    const out = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(`ws://${up.host}${req.url ?? '/'}`, { perMessageDeflate: false });
      sockets.add(client).add(upstream);
      const early: Array<[RawData, boolean]> = [];
      // Server→client, held back in order: each message leaves delayMs after it arrived, never before the one ahead.
      const queue: Array<{ at: number; send: () => void }> = [];
      let timer: NodeJS.Timeout | undefined;
      const pump = (): void => {
        timer = undefined;
        while (queue.length && queue[0]!.at <= performance.now()) queue.shift()!.send();
        if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
      };
      const later = (send: () => void): void => {
        const last = queue.length ? queue[queue.length - 1]!.at : 0;
        queue.push({ at: Math.max(performance.now() + proxy.delayMs, last), send });
        if (!timer) timer = setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
      };
      upstream.on('open', () => {
        for (const [data, isBinary] of early.splice(0)) upstream.send(data, { binary: isBinary });
      });
      upstream.on('message', (data, isBinary) => later(() => client.readyState === WebSocket.OPEN && client.send(data, { binary: isBinary })));
      upstream.on('close', (code, reason) => later(() => client.close(sendable(code), reason)));
      upstream.on('error', () => later(() => client.terminate()));
      client.on('message', (data, isBinary) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
        else early.push([data, isBinary]);
      });
      client.on('close', () => {
        clearTimeout(timer);
        queue.length = 0;
        if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
        else upstream.close();
      });
      client.on('error', () => client.terminate());
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.terminate();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
