/**
 * GET /stream.mjpg: multipart/x-mixed-replace MJPEG for simple clients (an
 * <img> tag, VLC, `ffmpeg -f mpjpeg -i URL`). Each part is one JPEG from the
 * shared stream: the payload is sliced out of the wire frame, never re-encoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import { streamRequestFromQuery } from '../request/StreamRequest.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { decodeHeader } from '../wire/frame.js';
import type { OverlayTaps } from './overlayTap.js';
import type { Consumer } from '../consumer/Consumer.js';
import { HttpStreamGuard } from './httpStreamGuard.js';
import { streamAction } from '../device/streamAction.js';

export const MJPEG_PATH = '/stream.mjpg';
export const MJPEG_BOUNDARY = 'revcamframe';

export interface MjpegDeps {
  hub: StreamHub;
  /** Burned-in guidelines for `?overlay=1`. */
  overlayTaps: OverlayTaps;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
}

export async function serveMjpeg(req: IncomingMessage, res: ServerResponse, url: URL, deps: MjpegDeps): Promise<void> {
  const request = streamRequestFromQuery(url, 'jpeg');
  const device = await deps.auth.fromRequest(req, url);
  deps.auth.authorize(device, streamAction(deps.hub.registry, request));
  // Listening for the client's going before anything awaits: one gone mid-subscribe leaves nothing behind.
  const guard = new HttpStreamGuard(res);
  const sink = {
    write(wire: Buffer, done: (err?: Error) => void) {
      guard.writing();
      const h = decodeHeader(wire);
      const jpeg = wire.subarray(h.headerLength + h.metaLength);
      const head = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Capture-Us: ${h.captureUs}\r\nX-Seq: ${h.seq}\r\n\r\n`;
      res.cork();
      res.write(head);
      res.write(jpeg);
      res.write('\r\n', (err) => {
        if (!err) guard.flushed();
        done(err ?? undefined);
      });
      process.nextTick(() => res.uncork());
    },
    bufferedBytes: () => res.writableLength,
  };
  const writeHead = () => {
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
      'Cache-Control': 'no-store, no-cache, must-revalidate',
      Pragma: 'no-cache',
      Connection: 'close',
      'X-Content-Type-Options': 'nosniff',
    });
    res.flushHeaders();
  };
  let viewer: { consumer: Consumer; leave(): void };
  if (url.searchParams.get('overlay') === '1') {
    viewer = await deps.overlayTaps.subscribe(request, sink, { transport: 'mjpeg-overlay', device }, writeHead);
  } else {
    const sub = await deps.hub.subscribe(request, sink, { transport: 'mjpeg', device }, writeHead);
    viewer = { consumer: sub.consumer, leave: () => deps.hub.unsubscribe(sub, 'client closed') };
  }
  const { consumer } = viewer;
  consumer.on('error', () => res.destroy());
  // Ended from outside (shed under a limit, a role policy that stopped holding).
  consumer.on('end', (reason) => {
    deps.log.info({ viewer: consumer.id, code: reason.code, reason: reason.message }, 'mjpeg viewer ended');
    res.destroy();
  });
  guard.onStall = () => deps.log.info({ viewer: consumer.id }, 'mjpeg viewer stopped reading; disconnected');
  guard.bind(() => {
    viewer.leave();
    deps.log.info({ viewer: consumer.id, sent: consumer.sent, dropped: consumer.dropped }, 'mjpeg viewer left');
  });
  if (guard.gone) return;
  deps.metrics.requests.inc({ outcome: 'accepted' });
  deps.log.info({ service: request.service, camera: request.camera, viewer: consumer.id }, 'mjpeg viewer joined');
}
