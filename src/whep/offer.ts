/**
 * Checks a WHEP offer (RFC 9725 §4.2: the POST body is an SDP offer) before
 * any peer connection exists, and picks the one H.264 payload type revcam
 * sends on. The SDP is parsed by werift's own parser (the one the peer
 * connection uses next), so what passes here is what werift will accept.
 *
 * revcam passes H.264 through without re-encoding, so the offer must accept
 * H.264 with packetization-mode=1 (FU-A fragments: a keyframe does not fit
 * in one packet). The profile is not negotiated down: the stream is what the
 * camera's encoder makes (libx264 ultrafast: Constrained Baseline), so a
 * Constrained Baseline payload type is preferred, then any other.
 */
import type { SessionDescription as WeriftSessionDescription } from 'werift';
import { RevcamError } from '../errors/RevcamError.js';

export const ABS_CAPTURE_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time';

/** What the session needs from a checked offer. */
export interface CheckedOffer {
  /** The H.264 payload type (packetization-mode=1) the answer keeps. */
  payloadType: number;
  /** Its fmtp line, echoed in the answer. */
  parameters: string;
  /** The extmap id the offer gave abs-capture-time, if it offered it. */
  absCaptureTimeId: number | undefined;
}

type Parse = (sdp: string) => WeriftSessionDescription;

const fmtp = (parameters: string | undefined): Map<string, string> =>
  new Map((parameters ?? '').split(';').map((kv) => kv.trim().split('=') as [string, string?]).filter(([k]) => k !== '').map(([k, v]) => [k.toLowerCase(), (v ?? '').trim().toLowerCase()]));

/** profile_idc 0x42 with constraint_set1 (Constrained Baseline), any level: what libx264 ultrafast produces. */
const isConstrainedBaseline = (profileLevelId: string | undefined): boolean =>
  profileLevelId !== undefined && /^42[0-9a-f]{4}$/.test(profileLevelId) && (parseInt(profileLevelId.slice(2, 4), 16) & 0x40) !== 0;

/**
 * Returns the payload type to send on, or throws: BAD_REQUEST (not an SDP
 * offer, no video to receive, no ICE or DTLS parameters) or CODEC_UNSUPPORTED
 * (video, but no H.264 with packetization-mode=1).
 */
export function checkOffer(sdp: string, parse: Parse): CheckedOffer {
  // Printable text lines only: the parser is lenient, the checks below are not.
  if (!/^v=0\r?\n/.test(sdp)) throw new RevcamError('BAD_REQUEST', 'the body is not an SDP description (it must start with "v=0")');
  if (/[^\x20-\x7e\r\n\t]/.test(sdp)) throw new RevcamError('BAD_REQUEST', 'the SDP holds characters other than printable ASCII');
  let desc: WeriftSessionDescription;
  try {
    desc = parse(sdp);
  } catch (err) {
    throw new RevcamError('BAD_REQUEST', `the SDP cannot be parsed: ${(err as Error).message}`);
  }
  const video = desc.media.filter((m) => m.kind === 'video' && m.port !== 0);
  if (video.length === 0) throw new RevcamError('BAD_REQUEST', 'the offer has no video m-line');
  if (video.length > 1) throw new RevcamError('BAD_REQUEST', 'the offer has more than one video m-line; revcam sends one camera per session');
  const m = video[0]!;
  // No direction attribute means sendrecv (RFC 4566 §6).
  if (m.direction !== undefined && m.direction !== 'recvonly' && m.direction !== 'sendrecv') {
    throw new RevcamError('BAD_REQUEST', `the video m-line is ${m.direction}; a WHEP viewer receives (recvonly)`);
  }
  const ice = m.iceParams ?? (desc.iceUsernameFragment && desc.icePassword ? { usernameFragment: desc.iceUsernameFragment, password: desc.icePassword } : undefined);
  if (!ice?.usernameFragment || !ice.password) throw new RevcamError('BAD_REQUEST', 'the offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)');
  const fingerprints = m.dtlsParams?.fingerprints ?? desc.dtlsFingerprints;
  if (!fingerprints || fingerprints.length === 0) throw new RevcamError('BAD_REQUEST', 'the offer has no DTLS fingerprint (a=fingerprint)');
  const h264 = m.rtp.codecs
    .filter((c) => c.mimeType.toLowerCase() === 'video/h264' && c.clockRate === 90000)
    .map((c) => ({ c, p: fmtp(c.parameters) }))
    .filter(({ p }) => p.get('packetization-mode') === '1');
  if (h264.length === 0) throw new RevcamError('CODEC_UNSUPPORTED', 'the offer does not accept H.264 with packetization-mode=1; revcam sends H.264 as the camera encodes it');
  const chosen = h264.find(({ p }) => isConstrainedBaseline(p.get('profile-level-id'))) ?? h264[0]!;
  const ext = m.rtp.headerExtensions.find((e) => e.uri === ABS_CAPTURE_TIME_URI);
  return { payloadType: chosen.c.payloadType, parameters: chosen.c.parameters ?? '', absCaptureTimeId: ext?.id };
}
