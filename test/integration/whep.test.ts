/**
 * WHEP against a real server, with raw HTTP and a werift viewer in Node:
 * device auth before anything else (401 and no session), coded 4xx for bad
 * offers, the request matching codes of /api/stream, DELETE freeing the
 * viewer, the viewer limits, and the RTP itself (RFC 6184 packetization,
 * the stream starting at a keyframe, abs-capture-time).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { GenericNack, ProtectionProfileAes128CmHmacSha1_80, RtcpTransportLayerFeedback, type RtpPacket } from 'werift';
import { hashToken } from '../../src/device/tokenHash.js';
import { captureUsOf } from '../../src/whep/absCaptureTime.js';
import { MAX_OFFER_BYTES } from '../../src/whep/WhepEndpoint.js';
import { CONNECT_TIMEOUT_MS, RTCP_SILENCE_MS } from '../../src/whep/WhepSession.js';
import { nowUs } from '../../src/wire/frame.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { weriftViewer, type WhepViewer } from '../helpers/weriftViewer.js';

const SKIP = hasCommand('ffmpeg') ? false : 'ffmpeg not found (apt-get install ffmpeg)';
const T = { hu: 'head-unit-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAA', phone: 'phone2-token-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC', ctl: 'controller-token-BBBBBBBBBBBBBBBBBBBBBBBBBBB', ops: 'admin-token-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let app: RevcamApp;
let offer: string;
const viewers: WhepViewer[] = [];

before(async () => {
  if (SKIP) return;
  app = await startTestServer({
    cameras: { rear: { width: 320, height: 240, fps: 15 } },
    limits: { maxViewersPerDevice: 1 },
    auth: {
      anonymousLoopback: false,
      devices: [
        { id: 'hu', role: 'head-unit', tokenHash: hashToken(T.hu) },
        { id: 'hu2', role: 'head-unit', tokenHash: hashToken(T.phone) },
        { id: 'sim', role: 'controller', tokenHash: hashToken(T.ctl) },
        { id: 'ops', role: 'admin', tokenHash: hashToken(T.ops) },
      ],
    },
  });
  const v = await weriftViewer();
  offer = v.offer;
  viewers.push(v);
});
after(async () => {
  await Promise.all(viewers.map((v) => v.close()));
  await app?.close();
});

const whep = (path: string, init: { body?: string; headers?: Record<string, string>; method?: string } = {}) =>
  fetch(`${app.url}${path}`, { method: init.method ?? 'POST', headers: { 'content-type': 'application/sdp', ...bearer(T.hu), ...init.headers }, ...(init.body !== undefined && { body: init.body }) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const sessions = async () => (await (await fetch(`${app.url}/api/sessions`, { headers: bearer(T.ops) })).json()) as { open: { id: string; transport: string; reason: string | null }[]; recent: { id: string; transport: string; reason: string | null }[] };
const whepSessions = async () => {
  const s = await sessions();
  return { open: s.open.filter((x) => x.transport === 'whep'), recent: s.recent.filter((x) => x.transport === 'whep') };
};
const rearViewers = async () => {
  const body = (await (await fetch(`${app.url}/api/services`, { headers: bearer(T.ops) })).json()) as { services: { name: string; viewers: number }[] };
  return body.services.filter((s) => s.name === 'reversing').reduce((n, s) => n + s.viewers, 0);
};
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an offer without a token, or with a wrong one, gets 401 and no session; a role without stream rights 403', { skip: SKIP }, async () => {
  for (const headers of [{ authorization: '' }, bearer('not-a-token-XXXXXXXXXXXXXXXXXXXXXXXXXXXX')]) {
    const res = await whep('/whep/reversing/rear', { body: offer, headers });
    assert.equal(res.status, 401);
    assert.equal((await errorOf(res)).code, 'UNAUTHORIZED');
    assert.equal(res.headers.get('location'), null);
  }
  const forbidden = await whep('/whep/reversing/rear', { body: offer, headers: bearer(T.ctl) });
  assert.equal(forbidden.status, 403);
  assert.equal((await errorOf(forbidden)).code, 'FORBIDDEN');
  // No viewer was ever added (the hub's audit log has no WHEP record, open or ended), so no peer connection either.
  assert.deepEqual(await whepSessions(), { open: [], recent: [] });
  assert.equal(await rearViewers(), 0);
});

test('bad offers get coded 4xx and no session', { skip: SKIP }, async () => {
  const cases: { name: string; init: Parameters<typeof whep>[1]; path?: string; status: number; code: string }[] = [
    { name: 'not SDP', init: { body: 'hello' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'empty', init: { body: '' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'JSON', init: { body: '{"sdp":"v=0"}', headers: { 'content-type': 'application/json' } }, status: 415, code: 'BAD_REQUEST' },
    { name: 'no video', init: { body: offer.replace(/m=video[\s\S]*/, '') }, status: 400, code: 'BAD_REQUEST' },
    { name: 'sendonly video', init: { body: offer.replace('a=recvonly', 'a=sendonly') }, status: 400, code: 'BAD_REQUEST' },
    { name: 'H.264 packetization-mode 0 only', init: { body: offer.replaceAll('packetization-mode=1', 'packetization-mode=0') }, status: 415, code: 'CODEC_UNSUPPORTED' },
    { name: 'VP8 only', init: { body: offer.replaceAll('H264/90000', 'VP8/90000') }, status: 415, code: 'CODEC_UNSUPPORTED' },
    { name: 'no ICE credentials', init: { body: offer.replace(/a=ice-pwd:.*\r\n/g, '') }, status: 400, code: 'BAD_REQUEST' },
    { name: 'binary', init: { body: `v=0\r\n${'\u0001'.repeat(20)}` }, status: 400, code: 'BAD_REQUEST' },
    { name: 'too large', init: { body: offer + `a=x-pad:${'p'.repeat(MAX_OFFER_BYTES)}\r\n` }, status: 413, code: 'MESSAGE_TOO_LARGE' },
    { name: 'service in the query', path: '/whep/reversing/rear?service=cabin-view', init: { body: offer }, status: 400, code: 'BAD_REQUEST' },
    { name: 'unknown query parameter', path: '/whep/reversing/rear?color=red', init: { body: offer }, status: 400, code: 'BAD_REQUEST' },
    { name: 'unknown service', path: '/whep/nope/rear', init: { body: offer }, status: 404, code: 'SERVICE_NOT_FOUND' },
    { name: 'unknown camera', path: '/whep/reversing/moon', init: { body: offer }, status: 404, code: 'CAMERA_NOT_AVAILABLE' },
    { name: 'unknown vehicle', path: '/whep/reversing/rear?vehicle=other', init: { body: offer }, status: 404, code: 'SERVICE_NOT_FOUND' },
    { name: 'GET', init: { method: 'GET' }, status: 405, code: 'BAD_REQUEST' },
    { name: 'no camera in the path', path: '/whep/reversing', init: { body: offer }, status: 404, code: 'NOT_FOUND' },
  ];
  for (const c of cases) {
    const res = await whep(c.path ?? '/whep/reversing/rear', c.init);
    assert.equal(res.status, c.status, `${c.name}: status`);
    const err = await errorOf(res);
    assert.equal(err.code, c.code, `${c.name}: code (${err.message})`);
    assert.equal(res.headers.get('location'), null, c.name);
  }
  assert.deepEqual(await whepSessions(), { open: [], recent: [] });
  const options = await whep('/whep/reversing/rear', { method: 'OPTIONS' });
  assert.equal(options.status, 204);
  assert.match(options.headers.get('allow') ?? '', /POST/);
  // The server keeps serving: a good offer right after is answered.
  assert.equal((await health()).status, 'ok');
});

const absId = (offer: string) => Number(/a=extmap:(\d+) http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/abs-capture-time/.exec(offer)?.[1]);
const health = async () => (await (await fetch(`${app.url}/api/health`)).json()) as { status: string };

test('a werift viewer receives the rear camera as RFC 6184 RTP: a keyframe with SPS/PPS first, FU-A fragments, abs-capture-time; PLI answered with the cached group; a late viewer starts from the cached group', { skip: SKIP }, async () => {
  const v = await weriftViewer();
  viewers.push(v);
  const posted = await v.post(`${app.url}/whep/reversing/rear`, bearer(T.hu));
  assert.equal(posted.status, 201, posted.body);
  try {
    await receivedRtp(v, posted.body);
    // PLI: the decoder lost its reference; the cached group (its keyframe captured before the PLI) comes again.
    const seen = v.packets.length;
    const lostAt = nowUs();
    await v.pc.getTransceivers()[0]!.receiver.sendRtcpPLI(v.packets[0]!.header.ssrc);
    const capturedAt = (p: RtpPacket) => captureUsOf(p.header.extensions.find((e) => e.id === absId(v.offer))!.payload);
    await until('the cached keyframe re-sent after the PLI', () => v.packets.slice(seen).some((p) => (p.payload[0]! & 0x1f) === 7 && capturedAt(p) < lostAt));
    // A second viewer joins the running stream: it starts at once from the cached group (the last
    // keyframe, captured before it asked), not at the next keyframe.
    const asked = nowUs();
    const late = await weriftViewer();
    viewers.push(late);
    const second = await late.post(`${app.url}/whep/reversing/rear`, bearer(T.phone));
    assert.equal(second.status, 201);
    try {
      await until('RTP for the late viewer', () => late.packets.length > 0);
      const id = Number(/a=extmap:(\d+) http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/abs-capture-time/.exec(late.offer)?.[1]);
      const ext = late.packets[0]!.header.extensions.find((e) => e.id === id)!;
      assertParameterSetsFirst(late.packets.map((p) => p.payload[0]! & 0x1f), 'the late viewer');
      assert.ok(captureUsOf(ext.payload) < asked, 'its first frame is the cached keyframe, captured before it asked');
    } finally {
      await fetch(`${app.url}${second.location!}`, { method: 'DELETE', headers: bearer(T.phone) });
    }
  } finally {
    const del = await fetch(`${app.url}${posted.location!}`, { method: 'DELETE', headers: bearer(T.hu) });
    assert.equal(del.status, 200);
  }
});

/** Before the first slice (1, 5, or an FU-A 28): an SPS, then a PPS, and nothing but an SEI besides. */
function assertParameterSetsFirst(types: number[], who: string): void {
  const lead = types.slice(0, types.findIndex((t) => t === 1 || t === 5 || t === 28));
  assert.ok(lead.every((t) => t === 6 || t === 7 || t === 8), `${who}: NAL types ${lead.join(',')} before the first slice`);
  const sps = lead.indexOf(7);
  assert.ok(sps >= 0 && lead.indexOf(8) > sps, `${who}: an SPS then a PPS before the first slice, got ${lead.join(',')}`);
}

async function receivedRtp(v: WhepViewer, answer: string): Promise<void> {
  const posted = { body: answer };
  assert.match(posted.body, /^v=0\r\n/);
  assert.match(posted.body, /a=sendonly/);
  assert.match(posted.body, /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/, 'a loopback host candidate, gathered before answering');
  assert.doesNotMatch(posted.body, /packetization-mode=0/, 'only the packetization-mode=1 payload type is answered');
  await until('RTP of 10 frames', () => new Set(v.packets.map((p) => p.header.timestamp)).size >= 10);
  const [first] = v.packets;
  // Single NAL unit packets carry the NAL header; the keyframe's parameter sets (SPS, then PPS) come
  // before its first slice, with at most an SEI among them (x264's first picture carries one first).
  const types = v.packets.map((p) => p.payload[0]! & 0x1f);
  assertParameterSetsFirst(types, 'the first viewer');
  const firstSlice = v.packets.find((p) => [1, 5, 28].includes(p.payload[0]! & 0x1f))!;
  const sliceType = (firstSlice.payload[0]! & 0x1f) === 28 ? firstSlice.payload[1]! & 0x1f : firstSlice.payload[0]! & 0x1f;
  assert.equal(sliceType, 5, 'the first picture is an IDR');
  assert.ok(types.includes(28), 'a keyframe larger than a packet is sent as FU-A fragments');
  assert.ok(!types.includes(9), 'access unit delimiters are not sent');
  assert.ok(v.packets.every((p) => p.payload.length <= 1200));
  // FU-A: start bit on the first fragment, end bit on the last, and the marker only on a frame's last packet.
  for (let i = 1; i < v.packets.length; i++) {
    const a = v.packets[i - 1]!;
    const b = v.packets[i]!;
    assert.equal(a.header.marker, a.header.timestamp !== b.header.timestamp, `marker on the last packet of a frame (packet ${i - 1})`);
    assert.ok(((b.header.timestamp - a.header.timestamp) >>> 0) < 2 ** 31, 'timestamps never go back');
  }
  // The id is the one the offer gave it (werift numbers its offer's extensions itself).
  const id = Number(/a=extmap:(\d+) http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/abs-capture-time/.exec(v.offer)?.[1]);
  const ext = first!.header.extensions.find((e) => e.id === id);
  assert.ok(ext, 'abs-capture-time on the packets');
  const ageMs = (nowUs() - captureUsOf(ext.payload)) / 1000;
  assert.ok(ageMs > 0 && ageMs < 30_000, `the capture time is a recent wall-clock time (${ageMs.toFixed(0)} ms ago)`);
}

test('revcam protects and sends the RTP itself (AES-CM + HMAC-SHA1-80 negotiated, werift decrypts it, sequence numbers without a gap) and answers a NACK with the same packet', { skip: SKIP }, async () => {
  const v = await weriftViewer();
  viewers.push(v);
  const posted = await v.post(`${app.url}/whep/reversing/rear`, bearer(T.hu));
  assert.equal(posted.status, 201, posted.body);
  try {
    await until('40 packets', () => v.packets.length >= 40);
    const t = v.pc.getTransceivers()[0]!;
    const dtls = t.dtlsTransport as unknown as { srtp: { config: { profile: number } } };
    assert.equal(dtls.srtp.config.profile, ProtectionProfileAes128CmHmacSha1_80, 'revcam (the DTLS server) chose AES_CM_128_HMAC_SHA1_80');
    const seqs = v.packets.slice(0, 40).map((p) => p.header.sequenceNumber);
    seqs.forEach((s, i) => i > 0 && assert.equal(s, (seqs[i - 1]! + 1) & 0xffff, 'in sequence, nothing lost on loopback'));
    // A NACK for a packet just received: the same packet (sequence number, payload) comes again.
    const target = v.packets.at(-1)!;
    const seq = target.header.sequenceNumber;
    const before = v.packets.filter((p) => p.header.sequenceNumber === seq).length;
    await t.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: t.receiver.rtcpSsrc, mediaSourceSsrc: target.header.ssrc, lost: [seq] }) })]);
    await until('the NACKed packet again', () => v.packets.filter((p) => p.header.sequenceNumber === seq).length > before);
    const again = v.packets.filter((p) => p.header.sequenceNumber === seq).at(-1)!;
    assert.deepEqual(again.payload, target.payload);
    assert.equal(again.header.timestamp, target.header.timestamp);
  } finally {
    await fetch(`${app.url}${posted.location!}`, { method: 'DELETE', headers: bearer(T.hu) });
  }
});

test('DELETE ends the session and frees the viewer; only its device may; PATCH is 405', { skip: SKIP }, async () => {
  await until('no viewer from earlier tests', async () => (await rearViewers()) === 0);
  const v = await weriftViewer();
  viewers.push(v);
  const posted = await v.post(`${app.url}/whep/reversing/rear`, bearer(T.hu));
  assert.equal(posted.status, 201);
  const location = posted.location!;
  assert.equal(await rearViewers(), 1);
  const patch = await fetch(`${app.url}${location}`, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', ...bearer(T.hu) }, body: 'a=end-of-candidates\r\n' });
  assert.equal(patch.status, 405);
  assert.equal((await errorOf(patch)).code, 'BAD_REQUEST');
  // Another device (even one that may stream) cannot end it, nor learn that it exists.
  const other = await fetch(`${app.url}${location}`, { method: 'DELETE', headers: bearer(T.phone) });
  assert.equal(other.status, 404);
  assert.equal(await rearViewers(), 1, 'the session survives a foreign DELETE');
  const del = await fetch(`${app.url}${location}`, { method: 'DELETE', headers: bearer(T.hu) });
  assert.equal(del.status, 200);
  assert.equal(await rearViewers(), 0, 'the viewer is gone at once');
  const s = await whepSessions();
  assert.equal(s.open.length, 0);
  assert.ok(s.recent.some((x) => x.reason === 'client closed'));
  assert.equal((await fetch(`${app.url}${location}`, { method: 'DELETE', headers: bearer(T.hu) })).status, 404, 'a second DELETE finds nothing');
});

test('a WHEP viewer counts against the viewer limits like any other', { skip: SKIP }, async () => {
  await until('no viewer from earlier tests', async () => (await rearViewers()) === 0);
  const first = await whep('/whep/reversing/rear', { body: offer });
  assert.equal(first.status, 201);
  const second = await whep('/whep/reversing/rear', { body: offer });
  assert.equal(second.status, 503, 'limits.maxViewersPerDevice is 1');
  assert.equal((await errorOf(second)).code, 'CAPACITY_EXCEEDED');
  assert.equal(second.headers.get('location'), null);
  assert.equal((await whepSessions()).open.length, 1);
  assert.equal((await whep('/whep/reversing/rear', { body: offer, headers: bearer(T.phone) })).status, 201, 'another device still gets its place');
  // Nothing connects to these two (the offer's client is not listening): they are ended and freed, not kept.
  await until('unconnected sessions to be ended', async () => (await rearViewers()) === 0, CONNECT_TIMEOUT_MS + 10_000);
  const s = await whepSessions();
  assert.equal(s.open.length, 0);
  assert.ok(s.recent.filter((x) => x.reason === 'unresponsive').length >= 2, 'ended as unresponsive');
});

test('a viewer that goes away without DELETE is ended and freed (connection closed / no RTCP)', { skip: SKIP }, async () => {
  await until('no viewer from earlier tests', async () => (await rearViewers()) === 0, CONNECT_TIMEOUT_MS + 10_000);
  const v = await weriftViewer();
  viewers.push(v);
  const posted = await v.post(`${app.url}/whep/reversing/rear`, bearer(T.hu));
  assert.equal(posted.status, 201);
  await until('RTP', () => v.packets.length > 0);
  assert.equal(await rearViewers(), 1);
  await v.close();
  await until('the viewer to be freed', async () => (await rearViewers()) === 0, RTCP_SILENCE_MS + 10_000);
});
