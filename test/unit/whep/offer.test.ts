import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionDescription } from 'werift';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { checkOffer } from '../../../src/whep/offer.js';

const parse = (s: string) => SessionDescription.parse(s);

/** The shape of Chromium's recvonly video offer (trimmed). */
const CHROMIUM = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 102 104 108 114', 'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:IdEa', 'a=ice-pwd:QviozO63Ycux8dNfcFNEcQMi',
  'a=fingerprint:sha-256 5A:19:C9:FA:C8:A0:1E:95:E4:82:2E:58:0D:55:13:D8:74:E7:D2:93:04:48:C5:FF:51:EA:8F:E0:FC:9F:59:44',
  'a=setup:actpass', 'a=mid:0', 'a=extmap:13 http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time', 'a=recvonly', 'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rtpmap:104 H264/90000', 'a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f',
  'a=rtpmap:108 H264/90000', 'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:114 H264/90000', 'a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
  '',
].join('\r\n');

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof RevcamError);
    return err.code;
  }
  return 'none';
};

test('picks the Constrained Baseline packetization-mode=1 payload type and the abs-capture-time id', () => {
  const o = checkOffer(CHROMIUM, parse);
  assert.equal(o.payloadType, 108);
  assert.match(o.parameters, /packetization-mode=1/);
  assert.equal(o.absCaptureTimeId, 13);
  // Without Constrained Baseline, the first packetization-mode=1 one.
  assert.equal(checkOffer(CHROMIUM.replace('42e01f', '4d001f'), parse).payloadType, 102);
  assert.equal(checkOffer(CHROMIUM.replace(/a=extmap:13 .*\r\n/, ''), parse).absCaptureTimeId, undefined);
});

test('refuses what is not a receiving H.264 offer with stable codes', () => {
  assert.equal(codeOf(() => checkOffer('', parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer('hello', parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replace('m=video', 'm=audio'), parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replace('a=recvonly', 'a=sendonly'), parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replace(/a=fingerprint:.*\r\n/, ''), parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replace(/a=ice-ufrag:.*\r\n/, ''), parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replaceAll('packetization-mode=1', 'packetization-mode=0'), parse)), 'CODEC_UNSUPPORTED');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replaceAll('H264/90000', 'VP9/90000'), parse)), 'CODEC_UNSUPPORTED');
  assert.equal(codeOf(() => checkOffer(`${CHROMIUM}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n`, parse)), 'BAD_REQUEST');
  assert.equal(codeOf(() => checkOffer(CHROMIUM.replace('s=-', 's=\u00e9'), parse)), 'BAD_REQUEST');
});
