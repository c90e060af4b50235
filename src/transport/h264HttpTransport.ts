/**
 * GET /stream.h264: the shared H.264 stream as a raw Annex-B elementary
 * stream over HTTP, for ffprobe, ffplay, VLC or `curl | ffmpeg -f h264 -i -`.
 * Each frame's payload is written as is (no re-encode, no re-packaging); the
 * first bytes are the cached keyframe with its SPS/PPS, so a reader can
 * decode from its first byte. A slow reader loses whole runs of frames up to
 * the next keyframe, never single frames inside a reference chain.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import { streamRequestFromQuery } from '../request/StreamRequest.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { decodeHeader } from '../wire/frame.js';
import { HttpStreamGuard } from './httpStreamGuard.js';
import { streamAction } from '../device/streamAction.js';

export const H264_PATH = '/stream.h264';

export interface H264HttpDeps {
  hub: StreamHub;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
}

export async function serveH264(req: IncomingMessage, res: ServerResponse, url: URL, deps: H264HttpDeps): Promise<void> {
  const request = streamRequestFromQuery(url, 'h264');
  const device = await deps.auth.fromRequest(req, url);
  deps.auth.authorize(device, streamAction(deps.hub.registry, request));
  // Listening for the client's going before anything awaits: one gone mid-subscribe leaves no encoder running.
  const guard = new HttpStreamGuard(res);
  const sink = {
    write(wire: Buffer, done: (err?: Error) => void) {
      const h = decodeHeader(wire);
      guard.writing();
      res.write(wire.subarray(h.headerLength + h.metaLength), (err) => {
        if (!err) guard.flushed();
        done(err ?? undefined);
      });
    },
    bufferedBytes: () => res.writableLength,
  };
  const sub = await deps.hub.subscribe(request, sink, { transport: 'h264-http', device }, () => {
    res.writeHead(200, {
      'Content-Type': 'video/h264',
      'Cache-Control': 'no-store, no-cache, must-revalidate',
      Pragma: 'no-cache',
      Connection: 'close',
      'X-Content-Type-Options': 'nosniff',
    });
    res.flushHeaders();
  });
  sub.consumer.on('error', () => res.destroy());
  // Ended from outside (shed under a limit, a role policy that stopped holding).
  sub.consumer.on('end', (reason) => {
    deps.log.info({ viewer: sub.consumer.id, code: reason.code, reason: reason.message }, 'h264 http viewer ended');
    res.destroy();
  });
  guard.onStall = () => deps.log.info({ viewer: sub.consumer.id }, 'h264 http viewer stopped reading; disconnected');
  guard.bind(() => {
    deps.hub.unsubscribe(sub, 'client closed');
    deps.log.info({ stream: sub.stream.id, viewer: sub.consumer.id, sent: sub.consumer.sent, dropped: sub.consumer.dropped }, 'h264 http viewer left');
  });
  if (guard.gone) return;
  deps.metrics.requests.inc({ outcome: 'accepted' });
  deps.log.info({ stream: sub.stream.id, viewer: sub.consumer.id }, 'h264 http viewer joined');
}
