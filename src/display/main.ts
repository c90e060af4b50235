/**
 * The display page's wiring: stream client → frame pipeline → renderer,
 * with the liveness watchdog deciding what the status may claim and the
 * HUD/window.revcamStats reporting the numbers.
 */
import type { StatusMessage } from '../wire/messages.js';
import { FramePipeline } from './framePipeline.js';
import { Hud } from './hud.js';
import { JpegDecoder } from './jpegDecoder.js';
import { Liveness } from './liveness.js';
import { readParams } from './params.js';
import { Renderer } from './renderer.js';
import { StatsTracker, type RevcamStats } from './stats.js';
import { requireElement, StatusView } from './statusView.js';
import { StreamClient } from './streamClient.js';

declare global {
  interface Window {
    revcamStats: RevcamStats;
  }
}

const HUD_REFRESH_MS = 250;

function streamUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api/stream`;
}

function main(): void {
  const params = readParams(location.search);
  const canvas = requireElement(document, 'view') as HTMLCanvasElement;
  const renderer = new Renderer(canvas);
  const decoder = new JpegDecoder();
  const tracker = new StatsTracker(decoder.path);
  const stats = tracker.stats;
  window.revcamStats = stats;

  const hud = new Hud(requireElement(document, 'hud'), stats, params.hudVisible);
  hud.bindKey(window);
  const statusView = new StatusView(document);

  let lastHudUpdate = 0;
  const liveness = new Liveness({
    lostAfterMs: params.lostAfterMs,
    onChange(view) {
      stats.state = view.state;
      statusView.show(view);
      renderer.setDimmed(view.state !== 'live');
      hud.update();
    },
    onTick() {
      tracker.tick();
      const now = performance.now();
      if (now - lastHudUpdate >= HUD_REFRESH_MS) {
        lastHudUpdate = now;
        hud.update();
      }
    },
  });

  const problem = (reason: string): void => {
    stats.lastError = reason;
    console.warn(`revcam display: ${reason}`);
  };

  const pipeline = new FramePipeline({
    decoder,
    renderer,
    stats: tracker,
    onPainted: () => liveness.painted(),
    onProblem: problem,
  });

  const onStatus = (msg: StatusMessage): void => {
    stats.lastStatus = msg.event;
    const text = msg.message || msg.event;
    switch (msg.event) {
      case 'SOURCE_LOST':
        pipeline.invalidate();
        liveness.streamInterrupted('source', text);
        break;
      case 'SERVICE_RESTARTING':
        pipeline.invalidate();
        liveness.streamInterrupted('restarting', text);
        break;
      case 'STREAM_ENDED':
        pipeline.invalidate();
        liveness.streamInterrupted('ended', text);
        break;
      case 'SOURCE_RESTORED':
      case 'VIEWER_TOO_SLOW':
        // Frames arriving again is what makes the picture live; nothing to do here.
        break;
    }
  };

  const client = new StreamClient(
    { url: streamUrl(location), request: params.request },
    {
      open() {
        stats.connects = client.connects;
        tracker.resetSequence();
        liveness.linkUp();
      },
      accepted(msg) {
        stats.instance = msg.instance;
        pipeline.setOverlay(msg.overlay);
        liveness.accepted();
      },
      serverError(msg) {
        stats.lastError = `${msg.code}: ${msg.message}`;
        liveness.refused(msg);
      },
      status: onStatus,
      frame: (frame) => pipeline.push(frame),
      badMessage: problem,
      closed() {
        pipeline.invalidate();
        liveness.linkDown();
      },
    },
  );

  liveness.start();
  client.start();
}

main();
