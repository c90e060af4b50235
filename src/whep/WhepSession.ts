/**
 * One WHEP viewer: a werift peer connection that sends one camera's H.264
 * stream as it arrives from the StreamHub, without re-encoding.
 *
 * Frames come through the viewer's Consumer like on every other transport
 * (its bound, drop policy and keyframe resume apply). Until the peer is
 * connected (ICE + DTLS) frames are let go: at connection the stream's
 * cached group (the last keyframe and the frames since) is sent at once, so
 * the viewer starts at a keyframe without waiting for the next one, and its
 * timestamps are squeezed so it is not played as the past (RtpTimeline).
 *
 * Backpressure: RTP over UDP has no flow control a sender can see; a frame
 * is "in flight" from its packets being handed to werift until they are on
 * the socket. So the consumer's bound is reached only when this process
 * falls behind (event loop, socket), and then it drops whole groups and
 * resumes at a keyframe as elsewhere. A peer's own slowness shows in RTCP
 * (NACKs, answered from a short packet history, directRtp.ts; PLI/FIR,
 * answered here by re-sending the cached group), not in the socket.
 *
 * Liveness: a peer that never connects within CONNECT_TIMEOUT_MS, whose
 * connection fails, or that sends no RTCP for RTCP_SILENCE_MS (browsers
 * send receiver reports about every second) is ended and its viewer freed.
 */
import type { RTCPeerConnection, RTCRtpTransceiver, RtcpPacket } from 'werift';
import type { ConsumerSink } from '../consumer/Consumer.js';
import type { EndReason } from '../audit/SessionLog.js';
import type { Logger } from '../log/logger.js';
import type { StreamHub, Subscription } from '../stream/StreamHub.js';
import { DirectRtp, preferAesCm } from './directRtp.js';
import { RtpTimeline } from './rtpTimeline.js';
import { sharedFrame, type SharedFrame } from './sharedFrame.js';
import type { Werift } from './werift.js';

export const CONNECT_TIMEOUT_MS = 10_000;
export const RTCP_SILENCE_MS = 5_000;
/** At most one re-sent group per this interval, however many PLI/FIR arrive. */
const PICTURE_LOSS_MIN_INTERVAL_MS = 500;
/** RTCP payload-specific feedback types: PLI (RFC 4585 §6.3.1), FIR (RFC 5104 §4.3.1). */
const PLI_FMT = 1;
const FIR_FMT = 4;

export interface WhepSessionDeps {
  hub: StreamHub;
  log: Logger;
  werift: Werift;
  /** Called once when the session has ended (the endpoint forgets it). */
  onEnd: (session: WhepSession) => void;
}

export class WhepSession {
  readonly id: string;
  /** The device that opened it: only that device may end it. */
  readonly deviceId: string;
  readonly sink: ConsumerSink;
  #deps: WhepSessionDeps;
  #sub: Subscription | undefined;
  #pc: RTCPeerConnection | undefined;
  #video: RTCRtpTransceiver | undefined;
  #extId: number | undefined;
  #payloadType = 0;
  #timeline = new RtpTimeline();
  /** The packet index (ROC ‖ SEQ, RFC 3711 §3.3.1) of the last packet sent; the sequence number starts at random (RFC 3550 §5.1). */
  #index = Math.floor(Math.random() * 0x10000);
  /** The send path past werift's per-packet one, once connected (directRtp.ts); undefined: werift sends. */
  #direct: DirectRtp | undefined;
  #live = false;
  #needKeyframe = false;
  #closed = false;
  #inFlightBytes = 0;
  #lastRtcp = 0;
  #lastPictureLoss = 0;
  #timer: NodeJS.Timeout | undefined;
  #started = performance.now();
  /** Counters for the log and tests. */
  readonly stats = { pictureLoss: 0, groupsResent: 0, burstFrames: 0, nacked: 0, retransmitted: 0, direct: false };

  constructor(id: string, deviceId: string, deps: WhepSessionDeps) {
    this.id = id;
    this.deviceId = deviceId;
    this.#deps = deps;
    this.sink = {
      write: (wire, done) => this.#write(wire, done),
      bufferedBytes: () => this.#inFlightBytes,
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  get viewerId(): string | undefined {
    return this.#sub?.consumer.id;
  }

  /**
   * Takes the viewer (already subscribed with this.sink) and the offer; returns
   * the SDP answer with every ICE candidate in it (WHEP without trickle).
   */
  async start(sub: Subscription, pc: RTCPeerConnection, offerSdp: string, payloadType: number, absCaptureTimeId: number | undefined, gatherTimeoutMs: number): Promise<string> {
    this.#sub = sub;
    this.#pc = pc;
    sub.consumer.on('error', (err) => this.end('error', err.message));
    sub.consumer.on('end', (reason) => this.end(reason.code === 'CAPACITY_EXCEEDED' ? 'capacity' : 'forbidden', reason.message));
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#connected();
      else if (state === 'failed' || state === 'closed') this.end('unresponsive', `peer connection ${state}`);
    });
    this.#timer = setInterval(() => this.#checkLiveness(), 500);
    this.#timer.unref();
    const started = performance.now();
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const video = pc.getTransceivers().find((t) => t.kind === 'video');
    if (!video) throw new Error('werift made no video transceiver for the offer');
    this.#video = video;
    // werift makes the transceiver of a remote offer receive-only; revcam only sends.
    video.setDirection('sendonly');
    // revcam answers as the DTLS server (a=setup:passive; werift would answer active): werift 0.24's DTLS
    // client fails the handshake when a HelloVerifyRequest arrives twice (Flight3.exec throws), which a
    // retransmission on a loaded machine or a lossy link provokes; a browser's DTLS client does not.
    video.dtlsTransport.role = 'server';
    // As the DTLS server revcam picks the SRTP profile: AES-CM + HMAC-SHA1-80 (every WebRTC peer has it) is
    // what src/whep/srtp/ protects cheaply; AES-GCM, werift's first choice, stays the fallback.
    preferAesCm(video, this.#deps.werift);
    // werift keeps every H.264 payload type of the offer (it matches by MIME type only): keep just
    // the checked one (and its RTX) so the answer names exactly what is sent.
    const { codecParametersFromString } = this.#deps.werift;
    video.codecs = video.codecs.filter((c) => c.payloadType === payloadType || (c.name.toLowerCase() === 'rtx' && Number(codecParametersFromString(c.parameters ?? '').apt) === payloadType));
    video.sender.prepareSend({ codecs: video.codecs, headerExtensions: video.headerExtensions, muxId: video.mid ?? undefined, rtcp: { cname: pc.cname, ssrc: video.sender.ssrc, mux: true } } as Parameters<typeof video.sender.prepareSend>[0]);
    this.#payloadType = payloadType;
    this.#extId = absCaptureTimeId !== undefined && video.headerExtensions.some((e) => e.id === absCaptureTimeId) ? absCaptureTimeId : undefined;
    // werift routes a PLI/FIR by the feedback's sender SSRC first, so one may reach the receiver
    // side of this (send-only) transceiver instead of the sender: both are listened to.
    const onRtcp = (p: RtcpPacket) => {
      this.#lastRtcp = performance.now();
      const w = this.#deps.werift;
      if (p instanceof w.RtcpTransportLayerFeedback && p.feedback instanceof w.GenericNack && this.#direct) {
        this.#direct.nack(p.feedback.lost);
        return;
      }
      if (!(p instanceof w.RtcpPayloadSpecificFeedback)) return;
      if (p.feedback.count === PLI_FMT) this.#pictureLost('PLI');
      else if (p.feedback.count === FIR_FMT) this.#pictureLost('FIR');
    };
    video.sender.onRtcp.subscribe(onRtcp);
    video.receiver.onRtcp.subscribe(onRtcp);
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForGathering(pc, gatherTimeoutMs);
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new Error('werift made no local description');
    this.#deps.log.debug({ session: this.id, ms: Math.round(performance.now() - started) }, 'whep answer ready');
    return sdp;
  }

  /** Ends the session: the viewer leaves the hub (its place under the limits is freed) and the peer connection closes. */
  end(reason: EndReason, detail?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    clearInterval(this.#timer);
    const sub = this.#sub;
    if (this.#direct) Object.assign(this.stats, this.#direct.stats);
    if (sub) {
      this.#deps.hub.unsubscribe(sub, reason);
      // A viewer that went silent is worth an operator's look; one that said goodbye is not.
      const level = reason === 'unresponsive' ? 'warn' : 'info';
      this.#deps.log[level]({ session: this.id, viewer: sub.consumer.id, reason, detail, sent: sub.consumer.sent, dropped: sub.consumer.dropped, ...this.stats }, 'whep viewer left');
    }
    this.#pc?.close().catch(() => {});
    this.#deps.onEnd(this);
  }

  #connected(): void {
    if (this.#closed || this.#live) return;
    this.#live = true;
    this.#lastRtcp = performance.now();
    if (this.#video) this.#direct = DirectRtp.open(this.#video, this.#deps.werift, this.#payloadType, this.#extId);
    this.stats.direct = this.#direct !== undefined;
    this.#sendGroup();
    this.#deps.log.info({ session: this.id, viewer: this.viewerId, direct: this.stats.direct }, 'whep viewer connected');
  }

  #checkLiveness(): void {
    if (this.#closed) return;
    const now = performance.now();
    if (!this.#live) {
      if (now - this.#started > CONNECT_TIMEOUT_MS) this.end('unresponsive', `not connected within ${CONNECT_TIMEOUT_MS} ms`);
      return;
    }
    if (now - this.#lastRtcp > RTCP_SILENCE_MS) this.end('unresponsive', `no RTCP for ${RTCP_SILENCE_MS} ms`);
  }

  #write(wire: Buffer, done: (err?: Error) => void): void {
    // Not connected yet (its cached group is sent at connection), or ended: let the frame go.
    if (!this.#live) return done();
    const f = sharedFrame(wire);
    if (this.#needKeyframe) {
      if (!f.header.keyframe) return done();
      this.#needKeyframe = false;
    }
    this.#inFlightBytes += wire.length;
    this.#send(f, this.#timeline.next(f.header.captureUs)).then(
      () => {
        this.#inFlightBytes -= wire.length;
        done();
      },
      (err: unknown) => {
        this.#inFlightBytes -= wire.length;
        done(err as Error);
      },
    );
  }

  /**
   * Sends one frame's packets (payloads shared with every session: sharedFrame.ts): protected here and
   * written to the socket (directRtp.ts), or, when that path could not be opened, handed to werift,
   * which encrypts, sends and keeps them for NACKs.
   */
  async #send(f: SharedFrame, timestamp: number): Promise<void> {
    const first = this.#index + 1;
    this.#index += f.payloads.length;
    if (this.#direct) return this.#direct.send(f.payloads, first, timestamp, f.absCaptureTime);
    const sender = this.#video?.sender;
    if (!sender) return;
    const { RtpPacket, RtpHeader } = this.#deps.werift;
    const extId = this.#extId;
    const sends: Promise<void>[] = [];
    let index = first;
    for (const p of f.payloads) {
      const header = new RtpHeader({ sequenceNumber: index++ & 0xffff, timestamp, marker: p.marker, extensions: extId === undefined ? [] : [{ id: extId, payload: f.absCaptureTime }] });
      sends.push(sender.sendRtp(new RtpPacket(header, p.payload)));
    }
    await Promise.all(sends);
  }

  /**
   * Sends the stream's cached group (the last keyframe and every frame since)
   * at once: a new viewer's start, or a decoder's way back after a loss.
   * Without a cached group the session waits for the next keyframe.
   */
  #sendGroup(): boolean {
    const group = (this.#sub?.stream.cachedGroup() ?? []).map(sharedFrame);
    if (group.length === 0 || !group[0]!.header.keyframe) {
      this.#needKeyframe = true;
      return false;
    }
    this.#needKeyframe = false;
    const stamps = this.#timeline.burst(group.length, group.at(-1)!.header.captureUs);
    group.forEach((f, i) => {
      this.#send(f, stamps[i]!).catch((err: unknown) => this.end('error', (err as Error).message));
    });
    this.stats.burstFrames += group.length;
    return true;
  }

  /**
   * PLI/FIR: the viewer's decoder lost its reference. The camera's encoder
   * cannot be asked for a keyframe from here, so the cached group is sent
   * again (the decoder rebuilds the current picture from it), at most once
   * per PICTURE_LOSS_MIN_INTERVAL_MS.
   */
  #pictureLost(kind: 'PLI' | 'FIR'): void {
    this.stats.pictureLoss++;
    const now = performance.now();
    if (!this.#live || now - this.#lastPictureLoss < PICTURE_LOSS_MIN_INTERVAL_MS) return;
    this.#lastPictureLoss = now;
    if (this.#sendGroup()) this.stats.groupsResent++;
    this.#deps.log.debug({ session: this.id, kind }, 'whep picture loss answered');
  }
}

/** Resolves when ICE gathering is complete (all host candidates are in the local description), or after `timeoutMs`. */
async function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    }
  });
}
