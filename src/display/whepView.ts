/**
 * The display's third path, `?transport=whep`: the camera over WebRTC
 * (WHEP, docs/whep.md) into a <video> element, for remote screens that
 * cannot take the WebSocket stream. The browser's own WebRTC stack receives,
 * decodes and paces the H.264; this page only negotiates, watches and
 * reports. No overlay is drawn on this path and it does not follow the gear
 * (it plays while open); the HUD (`h`, or ?hud=1) says `transport whep`.
 *
 * Query: service, camera, vehicle, token (sent as a Bearer header), lostMs.
 * Numbers for tests and the HUD: window.revcamWhep.
 */
import { requireElement } from './statusView.js';

export interface WhepStats {
  transport: 'whep';
  state: 'connecting' | 'live' | 'lost' | 'error';
  session: string | null;
  framesDecoded: number;
  fps: number;
  packetsLost: number;
  width: number;
  height: number;
  /** Capture (abs-capture-time) to expected display of the last painted frame. */
  frameAgeMs: number | null;
  /** POST to the first painted frame of the current session. */
  firstFrameMs: number | null;
  connects: number;
  lastError: string | null;
}

declare global {
  interface Window {
    revcamWhep: WhepStats;
  }
}

/** NTP (1900) → Unix (1970) epoch, milliseconds. */
const NTP_UNIX_OFFSET_MS = 2_208_988_800_000;
const RETRY_MS = 1_000;
const TICK_MS = 250;
const ABS_CAPTURE_TIME = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time';

export function wantsWhep(search: string): boolean {
  return new URLSearchParams(search).get('transport') === 'whep';
}

const TITLES: Record<WhepStats['state'], string> = { connecting: 'CONNECTING', live: 'LIVE', lost: 'SIGNAL LOST', error: 'NO VIDEO' };

export function startWhepView(doc: Document, search: string): void {
  const q = new URLSearchParams(search);
  const path = `/whep/${encodeURIComponent(q.get('service') || 'reversing')}/${encodeURIComponent(q.get('camera') || 'rear')}${q.get('vehicle') ? `?vehicle=${encodeURIComponent(q.get('vehicle')!)}` : ''}`;
  const token = q.get('token');
  const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const lostMs = Number(q.get('lostMs')) > 0 ? Number(q.get('lostMs')) : 500;

  const stats: WhepStats = { transport: 'whep', state: 'connecting', session: null, framesDecoded: 0, fps: 0, packetsLost: 0, width: 0, height: 0, frameAgeMs: null, firstFrameMs: null, connects: 0, lastError: null };
  window.revcamWhep = stats;

  const canvas = requireElement(doc, 'view');
  const video = doc.createElement('video');
  video.id = 'whep-video';
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.style.cssText = 'display:block;width:min(100vw, calc(100vh * 16 / 9));aspect-ratio:16/9;background:#000;object-fit:contain';
  canvas.replaceWith(video);
  // The signal control panel belongs to the WebSocket path's page: not shown here.
  doc.getElementById('controls')?.setAttribute('hidden', '');
  const hud = requireElement(doc, 'hud');
  if (q.get('hud') === '1' || q.get('hud') === 'true') hud.hidden = false;
  window.addEventListener('keydown', (ev) => {
    if (ev.key.toLowerCase() === 'h' && !ev.ctrlKey && !ev.altKey && !ev.metaKey && !ev.repeat) hud.hidden = !hud.hidden;
  });
  const title = requireElement(doc, 'status-title');
  const detail = requireElement(doc, 'status-detail');
  const show = (state: WhepStats['state'], text = ''): void => {
    stats.state = state;
    doc.body.dataset.state = state;
    title.textContent = TITLES[state];
    detail.textContent = text;
  };

  let pc: RTCPeerConnection | null = null;
  let location: string | null = null;
  let postedAt = 0;
  let lastPaint = 0;

  const end = (): void => {
    if (location) void fetch(location, { method: 'DELETE', headers: auth, keepalive: true }).catch(() => {});
    location = null;
    pc?.close();
    pc = null;
  };

  const onFrame = (now: number, meta: VideoFrameCallbackMetadata): void => {
    lastPaint = performance.now();
    if (stats.firstFrameMs === null) stats.firstFrameMs = Math.round(now - postedAt);
    // abs-capture-time reaches the page through the receiver's synchronization sources.
    const src = pc?.getReceivers()[0]?.getSynchronizationSources().find((s) => s.rtpTimestamp === meta.rtpTimestamp) as (RTCRtpSynchronizationSource & { captureTimestamp?: number }) | undefined;
    if (src?.captureTimestamp) stats.frameAgeMs = Math.round(performance.timeOrigin + meta.expectedDisplayTime - (src.captureTimestamp - NTP_UNIX_OFFSET_MS));
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);

  const connect = async (): Promise<void> => {
    end();
    show('connecting');
    stats.firstFrameMs = null;
    const peer = new RTCPeerConnection();
    pc = peer;
    const t = peer.addTransceiver('video', { direction: 'recvonly' });
    // Ask for abs-capture-time where the browser can (Chromium): it carries each frame's capture time.
    const ext = t as RTCRtpTransceiver & { getHeaderExtensionsToNegotiate?: () => { uri: string; direction: string }[]; setHeaderExtensionsToNegotiate?: (e: { uri: string; direction: string }[]) => void };
    if (ext.getHeaderExtensionsToNegotiate && ext.setHeaderExtensionsToNegotiate) {
      ext.setHeaderExtensionsToNegotiate(ext.getHeaderExtensionsToNegotiate().map((e) => (e.uri === ABS_CAPTURE_TIME ? { ...e, direction: 'recvonly' } : e)));
    }
    peer.ontrack = (e) => {
      video.srcObject = new MediaStream([e.track]);
    };
    peer.onconnectionstatechange = () => {
      if (pc === peer && (peer.connectionState === 'failed' || peer.connectionState === 'closed')) retry(`connection ${peer.connectionState}`);
    };
    await peer.setLocalDescription(await peer.createOffer());
    // WHEP without trickle: the offer goes with its candidates.
    await new Promise<void>((resolve) => {
      if (peer.iceGatheringState === 'complete') return resolve();
      peer.addEventListener('icegatheringstatechange', () => peer.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 2_000);
    });
    postedAt = performance.now();
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...auth }, body: peer.localDescription?.sdp ?? '' });
    const body = await res.text();
    if (res.status !== 201) {
      let message = `${res.status}`;
      try {
        const e = (JSON.parse(body) as { error: { code: string; message: string } }).error;
        message = `${e.code}: ${e.message}`;
      } catch {
        /* not JSON: the status says it */
      }
      throw new Error(message);
    }
    location = res.headers.get('Location');
    stats.session = location;
    stats.connects++;
    await peer.setRemoteDescription({ type: 'answer', sdp: body });
  };

  let retrying = false;
  const retry = (reason: string): void => {
    stats.lastError = reason;
    if (retrying) return;
    retrying = true;
    show('error', reason);
    setTimeout(() => {
      retrying = false;
      connect().catch((err: unknown) => retry((err as Error).message));
    }, RETRY_MS);
  };

  const tick = async (): Promise<void> => {
    const peer = pc;
    if (peer) {
      const report = await peer.getStats();
      report.forEach((r: { type: string; kind?: string; framesDecoded?: number; framesPerSecond?: number; packetsLost?: number }) => {
        if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
        stats.framesDecoded = r.framesDecoded ?? 0;
        stats.fps = r.framesPerSecond ?? 0;
        stats.packetsLost = r.packetsLost ?? 0;
      });
    }
    stats.width = video.videoWidth;
    stats.height = video.videoHeight;
    if (stats.firstFrameMs !== null) {
      const stale = performance.now() - lastPaint > lostMs;
      if (stale && stats.state === 'live') show('lost', `no frame for ${lostMs} ms`);
      else if (!stale && stats.state !== 'live') show('live');
    }
    if (!hud.hidden) {
      const ms = (x: number | null): string => (x === null ? '—' : `${x} ms`);
      hud.textContent = [
        `transport  whep (WebRTC, ${path})`,
        `state      ${stats.state}`,
        `fps        ${stats.fps}`,
        `age        ${ms(stats.frameAgeMs)} (capture → display, abs-capture-time)`,
        `first      ${ms(stats.firstFrameMs)}`,
        `decoded    ${stats.framesDecoded}  lost packets ${stats.packetsLost}`,
        `resolution ${stats.width}x${stats.height}`,
        `connects   ${stats.connects}`,
        `session    ${stats.session ?? '—'}`,
        ...(stats.lastError ? [`error      ${stats.lastError}`] : []),
      ].join('\n');
    }
  };
  setInterval(() => void tick().catch(() => {}), TICK_MS);
  window.addEventListener('pagehide', end);
  connect().catch((err: unknown) => retry((err as Error).message));
}
