/**
 * The WHEP viewer process: many WebRTC viewers of one revcam server, made
 * with werift (Node), in a process of their own so the server's CPU is
 * measured alone. Each does the real WHEP exchange (an offer POSTed to
 * /whep/{service}/{camera}, the answer applied, ICE, DTLS, SRTP) and counts
 * what arrives: RTP packets (losses from sequence gaps), frames (packets with
 * the marker bit), and capture → last packet received from the
 * abs-capture-time header extension. Nothing is decoded: 50 H.264 decoders
 * would not fit on the bench machine, and the server's cost does not depend
 * on what the viewer does with the packets. Driven by the bench over IPC
 * (bench/whepFleet.ts); every command gets one reply.
 */
import { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, useNACK, usePLI, useSdesMid, type RtpPacket } from 'werift';
import { nowUs } from '../src/wire/frame.js';
import { ABS_CAPTURE_TIME_URI } from '../src/whep/offer.js';
import { captureUsOf } from '../src/whep/absCaptureTime.js';
import { summarize, type Stat } from './stat.js';

export type WhepViewerCommand =
  | { op: 'connect'; url: string; path: string; count: number; timeoutMs: number }
  | { op: 'mark' }
  | { op: 'collect' }
  | { op: 'closeAll' };

export interface WhepViewerReport {
  index: number;
  /** The peer connection's state at the window's end, and its changes after it first connected (state@ms since mark). */
  state: string;
  stateChanges: string[];
  frames: number;
  fps: number;
  packets: number;
  lost: number;
  latencyP50: number | null;
}

export interface WhepCollected {
  seconds: number;
  viewers: WhepViewerReport[];
  /** Capture → last packet of the frame received (abs-capture-time), every frame of every viewer, ms. */
  latencyMs: Stat | null;
  fps: Stat | null;
  packets: number;
  /** Packets missing from the sequence (expected − received, per viewer, summed). */
  lost: number;
  bytesPerSecond: number;
  /** POST → 201 (answer ready, every candidate in it), one per viewer, ms. */
  answerMs: Stat | null;
  /** POST → first whole frame received, one per viewer, ms. */
  firstFrameMs: Stat | null;
  /** Offers made again after a failed connection (see ATTEMPTS). */
  retries: number;
  /** Viewers that got no frame at all in the window (their session ended on the server, or nothing came). */
  silentViewers: number;
  /** The raw values behind latencyMs, answerMs and firstFrameMs, so several processes' fleets can be summarized as one. */
  latencySamples: number[];
  answerSamples: number[];
  firstFrameSamples: number[];
}

/** The extmap id the offers give abs-capture-time (any free id; the server echoes it). */
const ABS_ID = 2;
/** Offers made at once while connecting: a burst of 50 ICE gatherings would only add noise to the first seconds. */
const CONNECT_CONCURRENCY = 2;
/**
 * Tries per viewer. werift 0.24's DTLS client fails the handshake when a
 * HelloVerifyRequest arrives twice (Flight3.exec throws), which a loaded
 * machine provokes by retransmitting; the viewer then offers again. The
 * retries are counted and reported, not hidden.
 */
const ATTEMPTS = 3;

class WhepViewer {
  frames = 0;
  packets = 0;
  bytes = 0;
  latencies: number[] = [];
  #measuring = false;
  /** Extended (unwrapped) sequence numbers seen in the window: lowest, highest. */
  #lowSeq: number | undefined;
  #highSeq: number | undefined;
  #lastExt: number | undefined;
  location: string | null = null;
  answerMs: number | null = null;
  firstFrameMs: number | null = null;
  #t0 = 0;
  #firstFrame: (() => void) | undefined;

  stateChanges: string[] = [];
  #markedAt = 0;

  constructor(readonly index: number, readonly pc: RTCPeerConnection) {
    // Why a viewer went silent (its session ended on the server: no RTCP, a failed check): what its connection did.
    pc.connectionStateChange.subscribe((state) => {
      if (state !== 'connecting' && state !== 'new') this.stateChanges.push(`${state}@${Math.round(performance.now() - this.#markedAt)}`);
    });
  }

  mark(): void {
    this.#markedAt = performance.now();
    this.stateChanges = [];
    this.frames = this.packets = this.bytes = 0;
    this.latencies = [];
    this.#lowSeq = this.#highSeq = undefined;
    this.#measuring = true;
  }

  stop(): void {
    this.#measuring = false;
  }

  /** Packets expected in the window (by sequence number) but never received. */
  get lost(): number {
    if (this.#lowSeq === undefined || this.#highSeq === undefined) return 0;
    return Math.max(0, this.#highSeq - this.#lowSeq + 1 - this.packets);
  }

  /** The 16-bit sequence number unwrapped against the last one seen. */
  #extend(seq: number): number {
    if (this.#lastExt === undefined) return (this.#lastExt = seq);
    const last = this.#lastExt;
    let ext = (last & ~0xffff) | seq;
    if (ext < last - 0x8000) ext += 0x10000;
    else if (ext > last + 0x8000) ext -= 0x10000;
    if (ext > last) this.#lastExt = ext;
    return ext;
  }

  rtp(p: RtpPacket): void {
    const ext = this.#extend(p.header.sequenceNumber);
    if (p.header.marker) {
      if (this.firstFrameMs === null) {
        this.firstFrameMs = performance.now() - this.#t0;
        this.#firstFrame?.();
      }
    }
    if (!this.#measuring) return;
    this.packets++;
    this.bytes += p.payload.length;
    this.#lowSeq = this.#lowSeq === undefined ? ext : Math.min(this.#lowSeq, ext);
    this.#highSeq = this.#highSeq === undefined ? ext : Math.max(this.#highSeq, ext);
    if (!p.header.marker) return;
    this.frames++;
    const abs = p.header.extensions.find((e) => e.id === ABS_ID);
    if (abs && abs.payload.length >= 8) this.latencies.push((nowUs() - captureUsOf(abs.payload)) / 1000);
  }

  async open(url: string, path: string, timeoutMs: number): Promise<void> {
    const pc = this.pc;
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => this.rtp(rtp)));
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5_000).catch(() => {});
    this.#t0 = performance.now();
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription!.sdp });
    const body = await res.text();
    if (res.status !== 201) throw Object.assign(new Error(`viewer ${this.index}: POST ${path} answered ${res.status}: ${body.slice(0, 200)}`), { code: /"code":"([A-Z_]+)"/.exec(body)?.[1] });
    this.answerMs = performance.now() - this.#t0;
    this.location = res.headers.get('location');
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    if (this.firstFrameMs !== null) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`viewer ${this.index}: no frame within ${timeoutMs} ms of the answer (connection ${pc.connectionState})`)), timeoutMs);
      this.#firstFrame = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(url: string): Promise<void> {
    if (this.location) await fetch(`${url}${this.location}`, { method: 'DELETE' }).catch(() => {});
    await this.pc.close().catch(() => {});
  }
}

const viewers: WhepViewer[] = [];
let serverUrl = '';
/** Offers made again after a failed connection, since the process started. */
let retries = 0;
let windowStartMs = 0;

function newPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI()], parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' })],
    },
    headerExtensions: { video: [useSdesMid(), new RTCRtpHeaderExtensionParameters({ id: ABS_ID, uri: ABS_CAPTURE_TIME_URI })] },
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
}

async function connect(url: string, path: string, count: number, timeoutMs: number): Promise<{ connected: number; retries: number }> {
  serverUrl = url;
  const made: WhepViewer[] = [];
  const errors: Error[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = viewers.length + next++;
      for (let attempt = 1; ; attempt++) {
        const v = new WhepViewer(index, newPeer());
        try {
          await v.open(url, path, timeoutMs);
          made.push(v);
          break;
        } catch (err) {
          await v.close(url);
          if (attempt >= ATTEMPTS || (err as { code?: string }).code !== undefined) {
            errors.push(err as Error);
            break;
          }
          retries++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count) }, worker));
  viewers.push(...made.sort((a, b) => a.index - b.index));
  if (errors.length > 0) throw Object.assign(new Error(`${errors.length} of ${count} WHEP viewers failed: ${errors[0]!.message}`), { code: (errors[0] as { code?: string }).code });
  return { connected: viewers.length, retries };
}

function collect(): WhepCollected {
  const seconds = (performance.now() - windowStartMs) / 1000;
  const lat: number[] = [];
  const reports: WhepViewerReport[] = [];
  let packets = 0;
  let lost = 0;
  let bytes = 0;
  for (const v of viewers) {
    v.stop();
    const l = summarize(v.latencies, 'ms');
    reports.push({ index: v.index, state: v.pc.connectionState, stateChanges: v.stateChanges, frames: v.frames, fps: Math.round((v.frames / seconds) * 100) / 100, packets: v.packets, lost: v.lost, latencyP50: l?.median ?? null });
    for (const x of v.latencies) lat.push(x);
    packets += v.packets;
    lost += v.lost;
    bytes += v.bytes;
  }
  const answers = viewers.flatMap((v) => (v.answerMs === null ? [] : [v.answerMs]));
  const firstFrames = viewers.flatMap((v) => (v.firstFrameMs === null ? [] : [v.firstFrameMs]));
  return {
    seconds: Math.round(seconds * 1000) / 1000,
    viewers: reports,
    latencyMs: summarize(lat, 'ms'),
    fps: summarize(reports.map((r) => r.fps), 'fps'),
    packets,
    lost,
    bytesPerSecond: Math.round(bytes / seconds),
    answerMs: summarize(answers, 'ms'),
    firstFrameMs: summarize(firstFrames, 'ms'),
    retries,
    silentViewers: reports.filter((r) => r.frames === 0).length,
    latencySamples: lat,
    answerSamples: answers,
    firstFrameSamples: firstFrames,
  };
}

async function handle(cmd: WhepViewerCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'connect':
      return connect(cmd.url, cmd.path, cmd.count, cmd.timeoutMs);
    case 'mark':
      windowStartMs = performance.now();
      for (const v of viewers) v.mark();
      return {};
    case 'collect':
      return collect();
    case 'closeAll':
      await Promise.all(viewers.splice(0).map((v) => v.close(serverUrl)));
      return {};
  }
}

process.on('message', (msg: { id: number; cmd: WhepViewerCommand }) => {
  handle(msg.cmd).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error & { code?: string }) => process.send?.({ id: msg.id, ok: false, error: err.message, code: err.code }),
  );
});
process.on('disconnect', () => process.exit(0));
