/**
 * werift, loaded on the first WHEP offer only: the gateway does not pay its
 * load time at start (boot to first frame matters more than WHEP's first offer).
 *
 * werift ~0.24 (pure TypeScript, no native binaries): 0.25 needs Node 22 and
 * revcam runs on Node 20.
 */
import type { PeerConfig } from 'werift';
import { ABS_CAPTURE_TIME_URI } from './offer.js';

export type Werift = typeof import('werift');

let loading: Promise<Werift> | undefined;

export function loadWerift(): Promise<Werift> {
  return (loading ??= import('werift'));
}

/** Where the peer connections gather their (host) candidates. */
export interface IceBinding {
  /** The one address to bind and announce, or undefined for every IPv4 interface plus loopback. */
  address: string | undefined;
  /** UDP ports to take candidates from (min < max), or undefined for any. */
  portRange?: [number, number];
}

/** The gateway's listening address → the ICE binding: the same interface as HTTP, or all when HTTP listens on all. */
export function iceBindingFor(listening: string | undefined): IceBinding {
  if (!listening || listening === '0.0.0.0' || listening === '::' || listening.includes(':')) return { address: undefined };
  return { address: listening };
}

/** One peer connection's configuration: H.264 with the offer's fmtp, Opus only so an offer with audio still negotiates (nothing is sent on it). */
export function peerConfig(w: Werift, fmtp: string, absCaptureTimeId: number | undefined, ice: IceBinding): Partial<PeerConfig> {
  const video = new w.RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    rtcpFeedback: [w.useNACK(), w.usePLI(), w.useFIR()],
    parameters: fmtp,
  });
  const extensions = [w.useSdesMid(), w.useAbsSendTime()];
  if (absCaptureTimeId !== undefined) extensions.push(new w.RTCRtpHeaderExtensionParameters({ id: absCaptureTimeId, uri: ABS_CAPTURE_TIME_URI }));
  return {
    codecs: { video: [video], audio: [w.useOPUS()] },
    headerExtensions: { video: extensions, audio: [] },
    // Host candidates only (docs/whep.md): without this werift asks stun.l.google.com for a reflexive
    // candidate on every offer (a DNS lookup and a STUN request to the internet from the vehicle).
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [ice.address ?? '127.0.0.1'],
    ...(ice.address && { iceInterfaceAddresses: { udp4: ice.address } }),
    ...(ice.portRange && { icePortRange: ice.portRange }),
  };
}

/**
 * With one bound address, werift still announces the other interfaces'
 * addresses (on a socket bound elsewhere): only the bound one's candidates are kept.
 */
export function keepCandidatesOf(sdp: string, ice: IceBinding): string {
  if (!ice.address) return sdp;
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === ice.address)
    .join('\r\n');
}
