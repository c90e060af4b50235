/**
 * A minimal WHEP client for Chromium pages (tests): receive-only video,
 * abs-capture-time asked for, non-trickle (the offer is POSTed with its
 * candidates). Plain JavaScript evaluated in the page, so the test build
 * needs no DOM types.
 */
export interface WhepClientResult {
  status: number;
  body?: string;
  location?: string | null;
}

export interface WhepPageStats {
  framesDecoded: number;
  packetsLost: number;
  codec: string;
  /** The SRTP profile of the transport (RTCTransportStats.srtpCipher), e.g. SRTP_AES128_CM_HMAC_SHA1_80 (Chromium's name). */
  srtpCipher: string;
  videoWidth: number;
  videoHeight: number;
  /** From the POST to the first frame painted (requestVideoFrameCallback). */
  firstFrameMs: number | null;
  /** The last painted frame's capture time (abs-capture-time, via getSynchronizationSources), ms since the Unix epoch. */
  captureTime: number | null;
  /** That frame's expected display time minus its capture time (same host: one clock). */
  captureAgeMs: number | null;
}

export const WHEP_CLIENT_JS = `(() => {
  const state = { pc: null, video: null, location: null, t0: 0, firstFrameMs: null, captureTime: null, captureAgeMs: null };
  window.whepPlay = async (path, headers = {}) => {
    const pc = new RTCPeerConnection();
    state.pc = pc;
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    if (t.getHeaderExtensionsToNegotiate) {
      t.setHeaderExtensionsToNegotiate(t.getHeaderExtensionsToNegotiate().map((e) => e.uri.endsWith('/abs-capture-time') ? { ...e, direction: 'recvonly' } : e));
    }
    const video = document.createElement('video');
    video.muted = true; video.autoplay = true; video.playsInline = true;
    video.style.width = '640px'; video.style.height = '360px';
    document.body.append(video);
    state.video = video;
    pc.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); };
    const onFrame = (now, meta) => {
      if (state.firstFrameMs === null) state.firstFrameMs = now - state.t0;
      // abs-capture-time reaches the page through getSynchronizationSources() (NTP milliseconds).
      const src = state.pc?.getReceivers()[0]?.getSynchronizationSources().find((s) => s.rtpTimestamp === meta.rtpTimestamp && s.captureTimestamp);
      if (src) {
        state.captureTime = src.captureTimestamp - 2208988800000;
        state.captureAgeMs = performance.timeOrigin + meta.expectedDisplayTime - state.captureTime;
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 2000);
    });
    state.t0 = performance.now();
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: pc.localDescription.sdp });
    const body = await res.text();
    if (res.status !== 201) return { status: res.status, body };
    state.location = res.headers.get('Location');
    await pc.setRemoteDescription({ type: "answer", sdp: body });
    return { status: 201, location: state.location };
  };
  window.whepStats = async () => {
    const out = { framesDecoded: 0, packetsLost: 0, codec: '', srtpCipher: '', videoWidth: state.video?.videoWidth ?? 0, videoHeight: state.video?.videoHeight ?? 0,
      firstFrameMs: state.firstFrameMs, captureTime: state.captureTime, captureAgeMs: state.captureAgeMs };
    if (!state.pc) return out;
    const report = await state.pc.getStats();
    report.forEach((r) => {
      if (r.type === 'transport' && r.srtpCipher) out.srtpCipher = r.srtpCipher;
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        out.framesDecoded = r.framesDecoded ?? 0;
        out.packetsLost = r.packetsLost ?? 0;
        const codec = r.codecId ? report.get(r.codecId) : undefined;
        out.codec = codec?.mimeType ?? '';
      }
    });
    return out;
  };
  window.whepStop = async (headers = {}) => {
    const res = await fetch(state.location, { method: 'DELETE', headers });
    state.pc?.close();
    return { status: res.status };
  };
})()`;
