/**
 * A WHEP session's RTP send path past werift's per-packet one (issue 19 §1):
 * once werift has done ICE and DTLS, its SRTP master key is read from its
 * DTLS transport, the packets are protected here (src/whep/srtp/, one AES
 * cipher per session, a frame at a time) and written straight to the UDP
 * socket of werift's nominated ICE candidate pair, one `send` per packet and
 * no promise, RtpPacket or header object per packet.
 *
 * What werift's `RTCRtpSender.sendRtp` did per packet and how it is kept:
 * - the header extensions it adds (sdes:mid, abs-send-time) are written here
 *   with the same values (abs-send-time once per frame: its packets leave in
 *   the same tick), besides abs-capture-time;
 * - its RTCP sender reports: its report loop is started, and its counters
 *   (packets, octets, the last RTP/NTP timestamps) are set once per frame;
 * - its 128-packet NACK history: a ring here of the last HISTORY_PACKETS
 *   packets (references to the frames' shared payloads, not copies), answered
 *   for HISTORY_MS; a packet sent again keeps its index, so its SRTP packet is
 *   the same bytes;
 * - its consent check (RFC 7675): no media once ICE consent has expired.
 *
 * werift internals this relies on (0.24; read, never patched): the DTLS
 * transport's `srtp.config` (profile and keys) and writable `srtpProfiles`,
 * the ICE connection's `nominated` pair (`protocol.transport.socket`,
 * `remoteAddr`) and `canSendApplicationData()`, the sender's report fields
 * and `runRtcp()`. `open()` checks each and returns undefined when one is
 * missing or the profile is not AES_CM_128_HMAC_SHA1_80: the session then
 * sends through werift as before. If the pair's transport is not a UDP
 * socket (TCP, TURN), packets go through the ICE connection's `send`.
 */
import type { Socket } from 'node:dgram';
import type { RTCRtpTransceiver } from 'werift';
import type { RtpPayload } from './h264Rtp.js';
import { ABS_CAPTURE_TIME_URI } from './offer.js';
import { SrtpSender, type ProtectedPackets } from './srtp/sender.js';
import type { Werift } from './werift.js';

/** Packets kept for NACKs: ~1.3 s at the bench clip's ~380 packets a second. */
export const HISTORY_PACKETS = 512;
/** A NACK for an older packet is not answered (the picture is on its way to a PLI by then). */
export const HISTORY_MS = 1000;

const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

interface PairInternals {
  protocol: { transport?: { socket?: Socket; closed?: boolean } };
  remoteAddr: [string, number];
  packetsSent: number;
  bytesSent: number;
}
interface ConnectionInternals {
  nominated?: PairInternals;
  canSendApplicationData(): boolean;
  send(data: Buffer): Promise<void>;
}
interface DtlsInternals {
  srtp?: { config?: { profile: number; keys: { localMasterKey: Buffer; localMasterSalt: Buffer } } };
  iceTransport?: { connection?: ConnectionInternals };
  bytesSent: number;
  packetsSent: number;
}
interface SenderInternals {
  ssrc: number;
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  runRtcp(): Promise<void>;
}

/** Makes werift's DTLS server (revcam's role) choose AES_CM_128_HMAC_SHA1_80 when the client offers it, AES-GCM otherwise. Before the handshake. */
export function preferAesCm(video: RTCRtpTransceiver, w: Werift): void {
  const dtls = video.dtlsTransport as unknown as { srtpProfiles?: number[] };
  if (Array.isArray(dtls.srtpProfiles)) dtls.srtpProfiles = [w.ProtectionProfileAes128CmHmacSha1_80, w.ProtectionProfileAeadAes128Gcm];
}

export class DirectRtp {
  readonly stats = { nacked: 0, retransmitted: 0 };
  #srtp: SrtpSender;
  #conn: ConnectionInternals;
  #dtls: DtlsInternals;
  #sender: SenderInternals;
  #w: Werift;
  /** Per extension in header order: where its value comes from. */
  #ext: ('mid' | 'send' | 'capture')[];
  #mid: Buffer | undefined;
  #histIndex = new Float64Array(HISTORY_PACKETS).fill(-1);
  #histAt = new Float64Array(HISTORY_PACKETS);
  #histTs = new Uint32Array(HISTORY_PACKETS);
  #histPayload: (RtpPayload | undefined)[] = new Array<RtpPayload | undefined>(HISTORY_PACKETS);
  #histCapture: (Buffer | undefined)[] = new Array<Buffer | undefined>(HISTORY_PACKETS);

  private constructor(srtp: SrtpSender, conn: ConnectionInternals, dtls: DtlsInternals, sender: SenderInternals, w: Werift, ext: ('mid' | 'send' | 'capture')[], mid: Buffer | undefined) {
    this.#srtp = srtp;
    this.#conn = conn;
    this.#dtls = dtls;
    this.#sender = sender;
    this.#w = w;
    this.#ext = ext;
    this.#mid = mid;
  }

  /** After DTLS: the direct path, or undefined when werift's internals are not as expected (then werift sends). */
  static open(video: RTCRtpTransceiver, w: Werift, payloadType: number, absCaptureTimeId: number | undefined): DirectRtp | undefined {
    const dtls = video.dtlsTransport as unknown as DtlsInternals;
    const config = dtls.srtp?.config;
    const conn = dtls.iceTransport?.connection;
    const sender = video.sender as unknown as SenderInternals;
    if (!config || config.profile !== w.ProtectionProfileAes128CmHmacSha1_80 || !conn || typeof conn.canSendApplicationData !== 'function' || typeof conn.send !== 'function') return undefined;
    if (typeof sender.runRtcp !== 'function' || typeof sender.ssrc !== 'number') return undefined;
    const { localMasterKey, localMasterSalt } = config.keys;
    if (localMasterKey?.length !== 16 || localMasterSalt?.length !== 14) return undefined;
    const mid = video.mid ? Buffer.from(video.mid) : undefined;
    const extensions: { id: number; length: number }[] = [];
    const ext: ('mid' | 'send' | 'capture')[] = [];
    for (const e of [...video.headerExtensions].sort((a, b) => a.id - b.id)) {
      if (e.uri === MID_URI && mid && mid.length >= 1 && mid.length <= 16) {
        extensions.push({ id: e.id, length: mid.length });
        ext.push('mid');
      } else if (e.uri === ABS_SEND_TIME_URI) {
        extensions.push({ id: e.id, length: 3 });
        ext.push('send');
      } else if (e.uri === ABS_CAPTURE_TIME_URI && e.id === absCaptureTimeId) {
        extensions.push({ id: e.id, length: 8 });
        ext.push('capture');
      }
    }
    if (extensions.some((e) => e.id > 14)) return undefined;
    const srtp = new SrtpSender(localMasterKey, localMasterSalt, { ssrc: sender.ssrc, payloadType, extensions });
    sender.runRtcp().catch(() => {});
    return new DirectRtp(srtp, conn, dtls, sender, w, ext, mid);
  }

  #extValues(absCaptureTime: Buffer, ntp: bigint): Buffer[] {
    return this.#ext.map((k) => (k === 'mid' ? this.#mid! : k === 'send' ? this.#w.serializeAbsSendTime(ntp) : absCaptureTime));
  }

  /** Sends one frame's payloads with indexes firstIndex…; resolves once the last is on the socket (or dropped: no consent, socket closed). */
  send(payloads: readonly RtpPayload[], firstIndex: number, timestamp: number, absCaptureTime: Buffer): Promise<void> {
    if (payloads.length === 0) return Promise.resolve();
    const ntp = this.#w.ntpTime();
    const out = this.#srtp.protect(payloads, firstIndex, timestamp, this.#extValues(absCaptureTime, ntp));
    const now = performance.now();
    let octets = 0;
    for (let i = 0; i < payloads.length; i++) {
      const slot = (firstIndex + i) % HISTORY_PACKETS;
      this.#histIndex[slot] = firstIndex + i;
      this.#histAt[slot] = now;
      this.#histTs[slot] = timestamp >>> 0;
      this.#histPayload[slot] = payloads[i];
      this.#histCapture[slot] = absCaptureTime;
      octets += payloads[i]!.payload.length;
    }
    // What werift's sender reports in its RTCP sender reports.
    const s = this.#sender;
    s.ntpTimestamp = ntp;
    s.rtpTimestamp = timestamp >>> 0;
    s.packetCount = (s.packetCount + payloads.length) >>> 0;
    s.octetCount = (s.octetCount + octets) >>> 0;
    return this.#write(out);
  }

  /** A NACK (RFC 4585 generic NACK): the listed sequence numbers still in the history are sent again. */
  nack(lost: readonly number[]): void {
    this.stats.nacked += lost.length;
    const now = performance.now();
    for (const seq of lost) {
      // HISTORY_PACKETS divides 2^16: a sequence number has one slot, holding its newest index.
      const slot = seq % HISTORY_PACKETS;
      const index = this.#histIndex[slot]!;
      if (index < 0 || index % 0x10000 !== seq || now - this.#histAt[slot]! > HISTORY_MS) continue;
      this.#write(this.#srtp.protect([this.#histPayload[slot]!], index, this.#histTs[slot]!, this.#extValues(this.#histCapture[slot]!, this.#w.ntpTime()))).catch(() => {});
      this.stats.retransmitted++;
    }
  }

  #write(out: ProtectedPackets): Promise<void> {
    const { packets, release } = out;
    const conn = this.#conn;
    const pair = conn.nominated;
    if (!pair || !conn.canSendApplicationData()) {
      release();
      return Promise.resolve();
    }
    let bytes = 0;
    for (const p of packets) bytes += p.length;
    pair.packetsSent += packets.length;
    pair.bytesSent += bytes;
    this.#dtls.packetsSent += packets.length;
    this.#dtls.bytesSent += bytes;
    const transport = pair.protocol.transport;
    const socket = transport?.socket;
    if (!socket || transport.closed) {
      return Promise.all(packets.map((p) => conn.send(p).catch(() => {}))).then(release, release);
    }
    const [host, port] = pair.remoteAddr;
    return new Promise<void>((resolve) => {
      const last = packets.length - 1;
      try {
        for (let i = 0; i < last; i++) socket.send(packets[i]!, port, host);
        // A socket's sends complete in order: the last one's callback means the frame's buffer is free.
        socket.send(packets[last]!, port, host, () => {
          release();
          resolve();
        });
      } catch {
        // The socket closed under us (the peer connection is ending): the frame is dropped, its buffer
        // not pooled again (a send before the throw may still hold it).
        resolve();
      }
    });
  }
}
