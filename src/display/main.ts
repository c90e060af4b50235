/**
 * The display page's wiring: stream client → frame pipeline → renderer,
 * with the liveness watchdog deciding what the status may claim and the
 * HUD/window.revcamStats reporting the numbers. Gear following
 * (gearFollower.ts, fed by /api/signals) starts the stream when reverse is
 * engaged and stops it when the view ends; the control panel drives the
 * simulator through POST /api/signals.
 */
import { ClockEstimator, DEFAULT_MAX_FRAME_AGE_MS, frameAgeMs } from '../wire/clock.js';
import { nowUs } from '../wire/frame.js';
import type { StatusMessage } from '../wire/messages.js';
import { startCalibrationMode } from './calibrationMode.js';
import { CameraWall } from './cameraWall.js';
import { computeSurroundLayout } from './layout.js';
import { softwareWebGl } from './surround/softwareGl.js';
import { SurroundView, type SurroundInfo } from './surround/surroundView.js';
import type { TileInfo } from './cameraTile.js';
import { ControlPanel } from './controlPanel.js';
import { overlayFromAccepted } from './frameMeta.js';
import { FramePipeline } from './framePipeline.js';
import { GearFollower } from './gearFollower.js';
import { h264DecoderFor } from './h264Decoder.js';
import { Hud } from './hud.js';
import { JpegDecoder } from './jpegDecoder.js';
import { interruptionOf, Liveness } from './liveness.js';
import { readParams } from './params.js';
import { Renderer } from './renderer.js';
import { StatsTracker, type RevcamStats } from './stats.js';
import { SignalPoster } from './signalPoster.js';
import { SignalsClient } from './signalsClient.js';
import { requireElement, StatusView } from './statusView.js';
import { StreamClient } from './streamClient.js';
import { startWhepView, wantsWhep } from './whepView.js';
import { ViewSwitch } from './viewSwitch.js';

declare global {
  interface Window {
    revcamStats: RevcamStats;
    /** The camera tiles as they are now (docs/display.md, "Several cameras"). */
    revcamTiles(): TileInfo[];
    /** The surround view as it is now, or null when the page shows none (docs/display.md, "Surround view"). */
    revcamSurround(): SurroundInfo | null;
  }
}

const HUD_REFRESH_MS = 250;

function wsUrl(loc: Location, path: string): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function main(): void {
  // ?transport=whep: the WebRTC path (whepView.ts, docs/whep.md) instead of the WebSocket one.
  if (wantsWhep(location.search)) return startWhepView(document, location.search);
  const params = readParams(location.search);
  const canvas = requireElement(document, 'view') as HTMLCanvasElement;
  // The view switch's label follows what is on screen; it is made below, once the HUD exists.
  let viewSwitch: ViewSwitch | undefined;
  const renderer = new Renderer(canvas, { view: params.view, webgl: params.webgl, showGuides: params.showGuides, onShown: () => viewSwitch?.refresh() });
  const decoder = new JpegDecoder();
  // ?codec=h264: WebCodecs where the browser has it; JPEG otherwise, and the HUD says why.
  const h264 = h264DecoderFor(params.request, {
    unsupported(reason) {
      params.request.codec = 'jpeg';
      stats.codec = 'jpeg';
      stats.decoder = `${decoder.path} (fallback: ${reason})`;
      console.warn(`revcam display: ${reason}; using JPEG`);
      if (streaming) {
        client.stop();
        client.start();
      }
    },
    problem: (reason) => problem(reason),
  });
  const tracker = new StatsTracker(h264.decoder?.path ?? decoder.path);
  const stats = tracker.stats;
  if (h264.fallback) stats.decoder = `${decoder.path} (fallback: ${h264.fallback})`;
  window.revcamStats = stats;
  stats.vehicle = params.request.vehicle ?? null;
  stats.camera = params.request.camera;
  stats.display = renderer.info;

  const hud = new Hud(requireElement(document, 'hud'), stats, params.hudVisible);
  hud.bindKey(window);
  const statusView = new StatusView(document);
  viewSwitch = new ViewSwitch(requireElement(document, 'view-switch'), renderer, () => hud.update());
  viewSwitch.bindKeys(window);

  // The server's clock (src/wire/clock.ts) and the age limit it sets in `accepted`.
  const clock = new ClockEstimator();
  let maxFrameAgeMs = DEFAULT_MAX_FRAME_AGE_MS;
  stats.maxFrameAgeMs = maxFrameAgeMs;
  const refreshClock = (): void => {
    const e = clock.estimate(nowUs());
    stats.clock = e && { offsetMs: round3(e.offsetUs / 1000), boundMs: round3(e.boundUs / 1000), rttMs: round3(e.rttUs / 1000) };
  };

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
      refreshClock();
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
    h264: h264.decoder,
    renderer,
    stats: tracker,
    onPainted: () => liveness.painted(),
    onNotFresh: (ageMs) => liveness.notFresh(ageMs),
    ageOf: (frame) => frameAgeMs(frame.captureUs, nowUs(), clock.estimate(nowUs())),
    maxAgeMs: () => maxFrameAgeMs,
    onProblem: problem,
  });

  const onStatus = (msg: StatusMessage): void => {
    stats.lastStatus = msg.event;
    const reason = interruptionOf(msg.event);
    if (!reason) return;
    pipeline.invalidate();
    liveness.streamInterrupted(reason, msg.message || msg.event);
  };

  const client = new StreamClient(
    { url: wsUrl(location, '/api/stream'), request: params.request },
    {
      open() {
        // Perhaps another server (or the same one restarted): its clock is measured afresh.
        clock.reset();
        refreshClock();
        stats.connects = client.connects;
        tracker.resetSequence();
        liveness.linkUp();
      },
      accepted(msg) {
        stats.instance = msg.instance;
        if (msg.vehicle) stats.vehicle = msg.vehicle;
        if (typeof msg.maxFrameAgeMs === 'number' && msg.maxFrameAgeMs > 0) maxFrameAgeMs = msg.maxFrameAgeMs;
        stats.maxFrameAgeMs = maxFrameAgeMs;
        pipeline.setOverlay(overlayFromAccepted(msg.overlay));
        liveness.accepted();
      },
      serverError(msg) {
        stats.lastError = `${msg.code}: ${msg.message}`;
        liveness.refused(msg);
      },
      status: onStatus,
      clock(sample) {
        clock.add(sample);
        refreshClock();
      },
      frame: (frame) => pipeline.push(frame),
      badMessage: problem,
      closed() {
        pipeline.invalidate();
        liveness.linkDown();
      },
    },
  );

  // The other cameras, as tiles around (or over) the large view; each its own stream.
  const makeWall = (): CameraWall =>
    new CameraWall(document, {
      stage: requireElement(document, 'stage'),
      container: requireElement(document, 'tiles'),
      cameras: params.cameras,
      main: params.request.camera,
      layout: params.layout,
      base: params.request,
      url: wsUrl(location, '/api/stream'),
      lostAfterMs: params.lostAfterMs,
      defaulted: params.camerasDefaulted,
      onMainChange(camera) {
        // The large view asks for its new camera afresh: CONNECTING until its first fresh frame.
        params.request.camera = camera;
        stats.camera = camera;
        if (!streaming) return;
        client.stop();
        pipeline.invalidate();
        renderer.clear();
        renderer.resetChoice();
        viewSwitch?.refresh();
        liveness.setIdle(true);
        tracker.resetSequence();
        liveness.setIdle(false);
        client.start();
      },
    });

  // The surround view (the four cameras stitched around the car) beside the rear camera, or alone; else the tiles.
  let surround: SurroundView | undefined;
  let wall: CameraWall | undefined;
  // The default split only where the GPU can draw it: in software the rear view would lose frames to it.
  const gl = params.surroundDefaulted && params.surround === 'split' ? softwareWebGl(document) : undefined;
  if (gl?.software) {
    console.warn(`revcam display: WebGL is drawn in software (${gl.renderer}): the rear camera alone, not the surround view (ask for it with ?layout=split)`);
    document.body.dataset.surroundOff = 'software-webgl';
  }
  const surroundMode = gl?.software ? 'off' : params.surround;
  const placeSurround = (): void => {
    if (!surround || surroundMode === 'off') return;
    const viewport = { width: window.innerWidth, height: window.innerHeight };
    const { main, surround: r } = computeSurroundLayout(viewport, surroundMode, params.area.widthM / params.area.lengthM);
    // Alone, the surround view lies under the whole-window stage, which keeps only the HUD and the panel.
    const m = surroundMode === 'surround' ? { x: 0, y: 0, w: viewport.width, h: viewport.height } : main;
    const st = requireElement(document, 'stage').style;
    st.left = `${m.x}px`;
    st.top = `${m.y}px`;
    st.width = `${m.w}px`;
    st.height = `${m.h}px`;
    surround.setRect(r);
  };
  if (surroundMode !== 'off') {
    document.body.dataset.screen = surroundMode;
    surround = new SurroundView(document, {
      base: params.request,
      url: wsUrl(location, '/api/stream'),
      lostAfterMs: params.lostAfterMs,
      area: params.area,
      gainSolve: params.gainSolve,
      showGuides: params.showGuides,
      renderScale: params.surroundScale,
      solo: params.surroundSolo,
      onRefused(camera, err) {
        // The page's default split needs the four cameras: a service without one gets the tiles, as before.
        if (!params.surroundDefaulted || err.code !== 'CAMERA_NOT_AVAILABLE' || !surround) return;
        console.warn(`revcam display: no '${camera}' camera: tiles instead of the surround view`);
        surround.destroy();
        surround = undefined;
        renderer.surroundBeside = false;
        delete document.body.dataset.screen;
        wall = makeWall();
        if (streaming) wall.start();
      },
    });
    document.body.append(surround.element);
    renderer.surroundBeside = surroundMode === 'split';
    placeSurround();
    window.addEventListener('resize', placeSurround);
  } else {
    wall = makeWall();
  }
  window.revcamTiles = () => wall?.tiles() ?? [];
  window.revcamSurround = () => surround?.info ?? null;
  hud.tiles = () => wall?.tiles() ?? [];
  hud.extra = () => (surround ? surroundHudLines(surround.info) : []);

  // The stream runs only while the rear view is wanted.
  let streaming = false;
  const startStream = (): void => {
    if (streaming) return;
    streaming = true;
    surround?.start();
    wall?.start();
    // The surround view alone shows the rear camera itself: no large view to stream.
    if (surroundMode === 'surround' && surround) return;
    tracker.resetSequence();
    liveness.setIdle(false);
    client.start();
  };
  const stopStream = (): void => {
    if (streaming) {
      streaming = false;
      client.stop();
      pipeline.invalidate();
      wall?.stop();
      surround?.stop();
    }
    renderer.clear();
    // The driver's view choice lasts until the rear view ends.
    renderer.resetChoice();
    viewSwitch?.refresh();
    liveness.setIdle(true);
  };

  const follower = new GearFollower({
    follow: params.followGear,
    onChange(d) {
      stats.view = d.view;
      stats.viewReason = d.reason;
      if (d.view === 'rear') startStream();
      else stopStream();
      hud.update();
    },
  });

  const panel = new ControlPanel(
    requireElement(document, 'controls'),
    // The simulator panel moves the gear of the vehicle shown (forwarded to its host on a gateway).
    new SignalPoster(`/api/signals${params.signalsQuery}`, (error) => panel.showResult(error)),
    params.panelVisible,
  );
  panel.bindKey(window);

  const signals = new SignalsClient(
    { url: wsUrl(location, `/api/signals${params.signalsQuery}`) },
    {
      open() {
        stats.signalsLink = 'up';
      },
      view(msg) {
        renderer.setStaleSignals(msg.stale);
        follower.view(msg);
      },
      signals(msg) {
        panel.update(msg.samples, msg.full === true);
      },
      badMessage: problem,
      closed() {
        stats.signalsLink = 'down';
        // Nothing is known about the signals any more; the overlay's own warnings remain.
        renderer.setStaleSignals([]);
        follower.linkDown();
      },
    },
  );

  liveness.start();
  follower.start();
  signals.start();
  // ?calibrate=1: the installer's mat handles over the picture (docs/calibration.md).
  if (new URLSearchParams(location.search).get('calibrate') === '1') {
    startCalibrationMode({ stage: requireElement(document, 'stage'), canvas, camera: params.request.camera, token: params.request.token });
  }
}

/** The HUD's surround lines: each camera's state and age, the skew between them, the gains, the shader's cost. */
function surroundHudLines(info: SurroundInfo): string[] {
  const c = info.cost;
  const ms = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} ms`);
  return [
    `surround   ${info.cameras.map((f) => `${f.camera} ${f.state} ${f.ageMs === null ? '' : `${Math.round(f.ageMs)}ms`}`).join(', ')}`,
    `           skew ${ms(info.skewMs)}  gains ${info.gains.map((g) => g.map((x) => x.toFixed(2)).join('/')).join(' ')} (≤ ${info.maxGainStepPerS}/s)`,
    `           shader ${ms(c.lastMs)} (mean ${ms(c.meanMs)}, max ${ms(c.maxMs)}) upload ${ms(c.uploadMeanMs)} ${info.geometry ? `${info.geometry.width}x${info.geometry.height} ${(info.geometry.mPerPx * 100).toFixed(2)} cm/px` : ''}`,
    ...(info.note ? [`           ${info.note}`] : []),
  ];
}

main();
