/**
 * A WHEP viewer in Node made with werift (the same library as the server,
 * but as the receiving side): builds a real offer, POSTs it, and collects the
 * RTP packets it receives, so tests can look at the packetization itself.
 */
import { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, useNACK, usePLI, useSdesMid, type RtpPacket } from 'werift';
import { ABS_CAPTURE_TIME_URI } from '../../src/whep/offer.js';

export interface WhepViewer {
  pc: RTCPeerConnection;
  offer: string;
  packets: RtpPacket[];
  /** POSTs the offer; on 201 applies the answer. */
  post(url: string, headers?: Record<string, string>): Promise<{ status: number; location: string | null; body: string }>;
  close(): Promise<void>;
}

export async function weriftViewer(opts: { fmtp?: string; absCaptureTime?: boolean } = {}): Promise<WhepViewer> {
  const pc = new RTCPeerConnection({
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI()], parameters: opts.fmtp ?? 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' })],
    },
    headerExtensions: { video: [useSdesMid(), ...(opts.absCaptureTime === false ? [] : [new RTCRtpHeaderExtensionParameters({ id: 2, uri: ABS_CAPTURE_TIME_URI })])] },
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  const packets: RtpPacket[] = [];
  const t = pc.addTransceiver('video', { direction: 'recvonly' });
  t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => void packets.push(rtp.clone())));
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5_000).catch(() => {});
  const offer = pc.localDescription!.sdp;
  return {
    pc,
    offer,
    packets,
    async post(url, headers = {}) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: offer });
      const body = await res.text();
      if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body });
      return { status: res.status, location: res.headers.get('location'), body };
    },
    close: () => pc.close(),
  };
}
