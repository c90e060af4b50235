/**
 * Capture → decoded in Chromium, over WHEP and over the WebSocket display,
 * one page at a time on the same server (the bench clip as an H.264 camera).
 *
 * WHEP: a page with a receive-only RTCPeerConnection (the offer POSTed to
 * /whep/reversing/rear, abs-capture-time negotiated) plays the track in a
 * <video>. Every decoded frame's requestVideoFrameCallback gives its RTP
 * timestamp, when it was received (receiveTime: its last packet), when it was
 * handed to the compositor (presentationTime: decoded) and when it is expected
 * on screen (expectedDisplayTime). Its capture time is the abs-capture-time
 * Chromium reports through getSynchronizationSources(): that API holds only
 * the newest packet's, so the page polls it every 2 ms into a map by RTP
 * timestamp (matching at the callback alone would keep only frames shown
 * before the next one arrived: a bias towards the fast ones).
 *
 * WebSocket: the display page itself (`/?codec=h264&follow=0`, WebCodecs),
 * whose StatsTracker sets `revcamStats.latencyMs` (capture → the paint
 * starting, after decode) once per painted frame; an init script hooks that
 * property so every frame's value is kept, not just the last.
 *
 * One host, so one clock: the server's capture time (performance.timeOrigin +
 * now, µs) and the page's are the same wall clock.
 */
import type { Page } from 'playwright-core';
import { launchBenchChromium } from './browser.js';
import { summarize, type Stat } from './stat.js';
import { sleep } from './util.js';

const WHEP_PAGE_JS = `(() => {
  const b = { on: false, frames: 0, noCapture: 0, decoded: [], displayed: [], received: [], map: new Map(), pc: null, location: null, t0: 0, firstFrameMs: null, base: null };
  window.benchWhep = b;
  const NTP_UNIX_MS = 2208988800000;
  window.benchPlay = async (path) => {
    const pc = new RTCPeerConnection();
    b.pc = pc;
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    if (!t.getHeaderExtensionsToNegotiate) throw new Error('no setHeaderExtensionsToNegotiate: abs-capture-time cannot be asked for');
    t.setHeaderExtensionsToNegotiate(t.getHeaderExtensionsToNegotiate().map((e) => e.uri.endsWith('/abs-capture-time') ? { ...e, direction: 'recvonly' } : e));
    const video = document.createElement('video');
    video.muted = true; video.autoplay = true; video.playsInline = true;
    video.style.width = '640px'; video.style.height = '360px';
    document.body.append(video);
    pc.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); };
    setInterval(() => {
      const r = pc.getReceivers()[0];
      if (!r) return;
      for (const s of r.getSynchronizationSources()) if (s.captureTimestamp) b.map.set(s.rtpTimestamp, s.captureTimestamp - NTP_UNIX_MS);
      if (b.map.size > 600) for (const k of [...b.map.keys()].slice(0, 300)) b.map.delete(k);
    }, 2);
    const onFrame = (now, meta) => {
      if (b.firstFrameMs === null) b.firstFrameMs = now - b.t0;
      video.requestVideoFrameCallback(onFrame);
      if (!b.on) return;
      b.frames++;
      let cap = b.map.get(meta.rtpTimestamp);
      if (cap === undefined) {
        const s = pc.getReceivers()[0]?.getSynchronizationSources().find((x) => x.rtpTimestamp === meta.rtpTimestamp && x.captureTimestamp);
        if (s) cap = s.captureTimestamp - NTP_UNIX_MS;
      }
      if (cap === undefined) { b.noCapture++; return; }
      const at = (x) => performance.timeOrigin + x - cap;
      b.decoded.push(at(meta.presentationTime));
      b.displayed.push(at(meta.expectedDisplayTime));
      if (meta.receiveTime !== undefined) b.received.push(at(meta.receiveTime));
    };
    video.requestVideoFrameCallback(onFrame);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 2000);
    });
    b.t0 = performance.now();
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
    const body = await res.text();
    if (res.status !== 201) return { status: res.status, body };
    b.location = res.headers.get('Location');
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    return { status: 201 };
  };
  const inbound = async () => {
    let out = {};
    (await b.pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') out = r; });
    return out;
  };
  window.benchMark = async () => {
    Object.assign(b, { on: true, frames: 0, noCapture: 0, decoded: [], displayed: [], received: [] });
    b.base = await inbound();
  };
  window.benchCollect = async () => {
    b.on = false;
    const r = await inbound();
    const d = (k) => (r[k] ?? 0) - (b.base[k] ?? 0);
    return { frames: b.frames, noCapture: b.noCapture, decoded: b.decoded, displayed: b.displayed, received: b.received, firstFrameMs: b.firstFrameMs,
      framesDecoded: d('framesDecoded'), framesDropped: d('framesDropped'), packetsLost: d('packetsLost'), codec: r.decoderImplementation ?? '',
      jitterBufferMs: d('jitterBufferEmittedCount') > 0 ? (1000 * d('jitterBufferDelay')) / d('jitterBufferEmittedCount') : null,
      decodeMs: d('framesDecoded') > 0 ? (1000 * d('totalDecodeTime')) / d('framesDecoded') : null };
  };
  window.benchStop = async () => {
    if (b.location) await fetch(b.location, { method: 'DELETE' }).catch(() => {});
    b.pc?.close();
  };
})()`;

/** Keeps every value the display's StatsTracker writes to revcamStats.latencyMs (one per painted frame) while `on`. */
const WS_INIT_JS = `(() => {
  const b = { on: false, samples: [] };
  window.benchWs = b;
  let stats;
  Object.defineProperty(window, 'revcamStats', { configurable: true, get: () => stats, set: (v) => {
    stats = v;
    let lat = v.latencyMs;
    Object.defineProperty(v, 'latencyMs', { enumerable: true, configurable: true, get: () => lat, set: (x) => { lat = x; if (b.on && x !== null) b.samples.push(x); } });
  } });
})()`;

interface WhepPageResult {
  frames: number;
  noCapture: number;
  decoded: number[];
  displayed: number[];
  received: number[];
  firstFrameMs: number | null;
  framesDecoded: number;
  framesDropped: number;
  packetsLost: number;
  codec: string;
  jitterBufferMs: number | null;
  decodeMs: number | null;
}

export interface BrowserLatency {
  whep: {
    /** Capture → the frame handed to the compositor (decoded): rVFC presentationTime. */
    decodedMs: Stat | null;
    /** Capture → expected on screen: rVFC expectedDisplayTime. */
    displayMs: Stat | null;
    /** Capture → its last packet received (rVFC receiveTime). */
    receivedMs: Stat | null;
    framesPerWindow: number[];
    /** Painted frames whose capture time was not found (not in the map). */
    framesWithoutCapture: number;
    framesDecoded: number;
    framesDropped: number;
    packetsLost: number;
    jitterBufferMs: (number | null)[];
    decodeMs: (number | null)[];
    firstFrameMs: (number | null)[];
    decoder: string;
  };
  ws: {
    /** Capture → the paint starting, after WebCodecs decoded it (revcamStats.latencyMs). */
    decodedMs: Stat | null;
    framesPainted: number;
    decodeSkipped: number;
    dropped: number;
    decoder: string;
  };
}

async function whepWindow(page: Page, url: string, warmupMs: number, windowMs: number): Promise<WhepPageResult> {
  await page.goto(`${url}/api/health`);
  await page.setContent('<!doctype html><body style="margin:0;background:#000"></body>');
  await page.evaluate(WHEP_PAGE_JS);
  const r = (await page.evaluate('window.benchPlay("/whep/reversing/rear")')) as { status: number; body?: string };
  if (r.status !== 201) throw new Error(`WHEP POST answered ${r.status}: ${r.body ?? ''}`);
  await page.waitForFunction('window.benchWhep.firstFrameMs !== null', undefined, { timeout: 20_000 });
  await sleep(warmupMs);
  await page.evaluate('window.benchMark()');
  await sleep(windowMs);
  const out = (await page.evaluate('window.benchCollect()')) as WhepPageResult;
  await page.evaluate('window.benchStop()');
  return out;
}

async function wsWindow(page: Page, url: string, warmupMs: number, windowMs: number): Promise<{ samples: number[]; framesPainted: number; decodeSkipped: number; dropped: number; decoder: string }> {
  await page.addInitScript(WS_INIT_JS);
  await page.goto(`${url}/?codec=h264&follow=0&panel=0`);
  await page.waitForFunction('document.body.dataset.state === "live" && window.revcamStats.framesPainted > 0', undefined, { timeout: 20_000 });
  await sleep(warmupMs);
  const before = (await page.evaluate('({ p: window.revcamStats.framesPainted, s: window.revcamStats.decodeSkipped, d: window.revcamStats.dropped })')) as { p: number; s: number; d: number };
  await page.evaluate('window.benchWs.on = true');
  await sleep(windowMs);
  const after = (await page.evaluate('(() => { window.benchWs.on = false; const s = window.revcamStats; return { p: s.framesPainted, s: s.decodeSkipped, d: s.dropped, decoder: s.decoder, samples: window.benchWs.samples }; })()')) as {
    p: number;
    s: number;
    d: number;
    decoder: string;
    samples: number[];
  };
  return { samples: after.samples, framesPainted: after.p - before.p, decodeSkipped: after.s - before.s, dropped: after.d - before.d, decoder: after.decoder };
}

/**
 * `rounds` alternated windows (WebSocket display, then WHEP) of `windowMs`
 * each on the server at `url`, one page at a time; samples pooled.
 */
export async function browserLatency(url: string, rounds: number, warmupMs: number, windowMs: number): Promise<BrowserLatency> {
  const browser = await launchBenchChromium();
  try {
    const whep: WhepPageResult[] = [];
    const ws: Awaited<ReturnType<typeof wsWindow>>[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const kind of ['ws', 'whep'] as const) {
        const page = await browser.context.newPage();
        try {
          if (kind === 'ws') ws.push(await wsWindow(page, url, warmupMs, windowMs));
          else whep.push(await whepWindow(page, url, warmupMs, windowMs));
        } finally {
          await page.close();
        }
      }
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
    return {
      whep: {
        decodedMs: summarize(whep.flatMap((w) => w.decoded), 'ms'),
        displayMs: summarize(whep.flatMap((w) => w.displayed), 'ms'),
        receivedMs: summarize(whep.flatMap((w) => w.received), 'ms'),
        framesPerWindow: whep.map((w) => w.frames),
        framesWithoutCapture: sum(whep.map((w) => w.noCapture)),
        framesDecoded: sum(whep.map((w) => w.framesDecoded)),
        framesDropped: sum(whep.map((w) => w.framesDropped)),
        packetsLost: sum(whep.map((w) => w.packetsLost)),
        jitterBufferMs: whep.map((w) => round1(w.jitterBufferMs)),
        decodeMs: whep.map((w) => round1(w.decodeMs)),
        firstFrameMs: whep.map((w) => round1(w.firstFrameMs)),
        decoder: whep[0]?.codec ?? '',
      },
      ws: {
        decodedMs: summarize(ws.flatMap((w) => w.samples), 'ms'),
        framesPainted: sum(ws.map((w) => w.framesPainted)),
        decodeSkipped: sum(ws.map((w) => w.decodeSkipped)),
        dropped: sum(ws.map((w) => w.dropped)),
        decoder: ws[0]?.decoder ?? '',
      },
    };
  } finally {
    await browser.close();
  }
}
