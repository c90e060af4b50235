import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packetizeAccessUnit } from '../../../src/whep/h264Rtp.js';
import { absCaptureTime, captureUsOf } from '../../../src/whep/absCaptureTime.js';
import { RtpTimeline } from '../../../src/whep/rtpTimeline.js';

const SC = [0, 0, 0, 1];

/** An Annex-B access unit of NAL units (header byte + body without start-code emulation). */
const au = (nals: number[][]) => Buffer.from(nals.flatMap((n) => [...SC, ...n]));

/** RFC 6184 depacketization (single NAL units and FU-A) back to NAL units. */
function depacketize(payloads: Buffer[]): number[][] {
  const out: number[][] = [];
  let fu: number[] | undefined;
  for (const p of payloads) {
    const type = p[0]! & 0x1f;
    if (type !== 28) {
      assert.equal(fu, undefined, 'no single NAL unit inside a fragmented one');
      out.push([...p]);
      continue;
    }
    const start = (p[1]! & 0x80) !== 0;
    const end = (p[1]! & 0x40) !== 0;
    if (start) fu = [(p[0]! & 0xe0) | (p[1]! & 0x1f)];
    assert.ok(fu, 'a fragment follows its start');
    fu.push(...p.subarray(2));
    if (end) {
      out.push(fu);
      fu = undefined;
    }
  }
  assert.equal(fu, undefined, 'the last fragment has the end bit');
  return out;
}

test('small NAL units go alone, large ones as FU-A, AUD dropped, marker on the last packet only', () => {
  const sps = [0x67, 0x42, 0xc0, 0x1e, 1, 2];
  const pps = [0x68, 0xce, 0x3c, 0x80];
  const idr = [0x65, ...Array.from({ length: 3000 }, (_, i) => (i % 250) + 2)];
  const packets = packetizeAccessUnit(au([[0x09, 0xf0], sps, pps, idr]), 1200);
  assert.deepEqual([...packets[0]!.payload], sps);
  assert.deepEqual([...packets[1]!.payload], pps);
  const fragments = packets.slice(2);
  assert.equal(fragments.length, 3);
  assert.ok(fragments.every((p) => (p.payload[0]! & 0x1f) === 28 && (p.payload[0]! & 0x60) === 0x60), 'FU indicator keeps NRI, type 28');
  assert.deepEqual(fragments.map((p) => p.payload[1]! & 0xc0), [0x80, 0, 0x40], 'S on the first, E on the last');
  assert.deepEqual(packets.map((p) => p.marker), [false, false, false, false, true]);
  assert.ok(packets.every((p) => p.payload.length <= 1200));
});

test('packetize then depacketize gives back every NAL unit but delimiters and filler', () => {
  const nal = fc.tuple(fc.constantFrom(0x61, 0x65, 0x67, 0x68, 0x06, 0x09, 0x0c), fc.uint8Array({ minLength: 1, maxLength: 5000 }).map((b) => [...b].map((x) => (x < 4 ? x + 4 : x))));
  fc.assert(
    fc.property(fc.array(nal, { minLength: 1, maxLength: 6 }), fc.integer({ min: 100, max: 1400 }), (units, max) => {
      const nals = units.map(([h, body]) => [h, ...body]);
      const packets = packetizeAccessUnit(au(nals), max);
      const kept = nals.filter((n) => ![9, 12].includes(n[0]! & 0x1f));
      assert.deepEqual(depacketize(packets.map((p) => p.payload)), kept);
      assert.ok(packets.every((p) => p.payload.length <= max));
      if (packets.length > 0) assert.equal(packets.filter((p) => p.marker).length, 1);
    }),
    { numRuns: 200 },
  );
});

test('abs-capture-time round-trips a capture time to within a microsecond', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1_500_000_000_000_000, max: 2_085_978_495_000_000 }) /* NTP era 0 ends in February 2036 */, (us) => {
      const ext = absCaptureTime(us);
      assert.equal(ext.length, 8);
      assert.ok(Math.abs(captureUsOf(ext) - us) <= 1);
    }),
  );
  // The Unix epoch is NTP second 2 208 988 800.
  assert.equal(absCaptureTime(0).readUInt32BE(0), 2_208_988_800);
});

test('RTP timestamps follow the capture clock at 90 kHz and never go back; a burst ends at its newest frame', () => {
  const t = new RtpTimeline();
  const a = t.next(1_000_000);
  const b = t.next(1_033_333);
  assert.equal((b - a) >>> 0, 3000);
  // A re-sent group of 5 (newest = the frame at 1_033_333 already sent): squeezed after the last timestamp.
  const burst = t.burst(5, 1_033_333);
  assert.deepEqual(burst.map((x) => (x - b) >>> 0), [1, 2, 3, 4, 5]);
  const c = t.next(1_066_666);
  assert.equal((c - b) >>> 0, 3000, 'the next live frame keeps its place on the capture clock');
  // A first burst (a new viewer's cached group) ends at the newest frame's own time, so the live frames follow at their pace.
  const u = new RtpTimeline();
  const group = u.burst(30, 2_000_000);
  assert.deepEqual(group.slice(1).map((x, i) => (x - group[i]!) >>> 0), Array(29).fill(1));
  assert.equal((u.next(2_033_333) - group.at(-1)!) >>> 0, 3000);
});
