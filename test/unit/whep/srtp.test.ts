/**
 * revcam's SRTP send path (src/whep/srtp/): RFC 3711's own test vectors
 * (Appendix B.2, the AES-CM keystream; B.3, key derivation), then packets
 * checked by werift's SRTP decryption (the receiver of bench/whepViewers.ts
 * and test/helpers/weriftViewer.ts): byte for byte equal to werift's own
 * encryption, and decrypted across the 16-bit sequence wrap, a
 * retransmission from before the wrap included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { aesCmKeystream, deriveKey, deriveSrtpKeys, Label } from '../../../src/whep/srtp/kdf.js';
import { SrtpSender } from '../../../src/whep/srtp/sender.js';
import type { RtpPayload } from '../../../src/whep/h264Rtp.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('RFC 3711 B.2: the AES-CM keystream, its first and last blocks', () => {
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  const ks = aesCmKeystream(key, iv, 1044512);
  assert.equal(ks.subarray(0, 48).toString('hex').toUpperCase(), 'E03EAD0935C95E80E166B16DD92B4EB4' + 'D23513162B02D0F72A43A2FE4A5F97AB' + '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(ks.subarray(-48).toString('hex').toUpperCase(), 'EC8CDF7398607CB0F2D21675EA9EA1E4' + '362B7C3C6773516318A077D7FC5073AE' + '6A2CC3787889374FBEB4C81B17BA6C44');
});

test('RFC 3711 B.3: key derivation (cipher key, salt, auth key)', () => {
  const mk = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const ms = hex('0EC675AD498AFEEBB6960B3AABE6');
  const k = deriveSrtpKeys(mk, ms);
  assert.equal(k.encryptionKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(k.salt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(k.authKey.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  // The RFC's longer auth key output (94 bytes) is the same keystream, continued.
  assert.equal(deriveKey(mk, ms, Label.rtpAuth, 94).toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2');
  assert.throws(() => deriveSrtpKeys(mk.subarray(1), ms), RangeError);
});

const masterKey = randomBytes(16);
const masterSalt = randomBytes(14);
const SSRC = 0x1234abcd;
const PT = 102;
const MID = Buffer.from('0');
const ABS = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
const params = { ssrc: SSRC, payloadType: PT, extensions: [{ id: 1, length: 1 }, { id: 3, length: 8 }] };
const werift = () => new SrtpSession({ keys: { localMasterKey: masterKey, localMasterSalt: masterSalt, remoteMasterKey: masterKey, remoteMasterSalt: masterSalt }, profile: ProtectionProfileAes128CmHmacSha1_80 });
const frame = (sizes: number[]): RtpPayload[] => sizes.map((n, i) => ({ payload: randomBytes(n), marker: i === sizes.length - 1 }));

test('packets equal werift\'s own SRTP encryption byte for byte, and werift decrypts them', () => {
  const sender = new SrtpSender(masterKey, masterSalt, params);
  const enc = werift();
  const dec = werift();
  const payloads = frame([1200, 1200, 17, 1, 333]);
  const { packets, release } = sender.protect(payloads, 4000, 0xfedcba98, [MID, ABS]);
  payloads.forEach((p, i) => {
    const header = new RtpHeader({ sequenceNumber: 4000 + i, timestamp: 0xfedcba98, marker: p.marker, payloadType: PT, ssrc: SSRC, extension: true, extensions: [{ id: 1, payload: MID }, { id: 3, payload: ABS }] });
    assert.deepEqual(packets[i], enc.encrypt(p.payload, header), `packet ${i}`);
    const rtp = RtpPacket.deSerialize(dec.decrypt(packets[i]!));
    assert.deepEqual(rtp.payload, p.payload);
    assert.equal(rtp.header.sequenceNumber, 4000 + i);
    assert.equal(rtp.header.marker, p.marker);
    assert.equal(rtp.header.ssrc, SSRC);
    assert.equal(rtp.header.payloadType, PT);
    assert.deepEqual(rtp.header.extensions.find((e) => e.id === 3)?.payload, ABS);
  });
  release();
});

test('no extensions: a plain 12-byte header', () => {
  const sender = new SrtpSender(masterKey, masterSalt, { ssrc: SSRC, payloadType: PT, extensions: [] });
  const p = frame([100]);
  const { packets } = sender.protect(p, 7, 1, []);
  assert.equal(packets[0]!.length, 12 + 100 + 10);
  assert.deepEqual(packets[0], werift().encrypt(p[0]!.payload, new RtpHeader({ sequenceNumber: 7, timestamp: 1, marker: true, payloadType: PT, ssrc: SSRC })));
});

test('across the 16-bit sequence wrap: the ROC goes up, werift decrypts every packet, and a retransmission from before the wrap', () => {
  const sender = new SrtpSender(masterKey, masterSalt, params);
  const dec = werift();
  let index = 0xffff - 20;
  const sent = new Map<number, Buffer>();
  const plain = new Map<number, { p: RtpPayload; ts: number }>();
  for (let f = 0; f < 10; f++) {
    const payloads = frame([1200, 800, 5]);
    const { packets, release } = sender.protect(payloads, index, 1000 * f, [MID, ABS]);
    packets.forEach((pkt, i) => {
      assert.equal(pkt.readUInt16BE(2), (index + i) & 0xffff);
      const rtp = RtpPacket.deSerialize(dec.decrypt(pkt));
      assert.deepEqual(rtp.payload, payloads[i]!.payload, `index ${index + i}`);
      sent.set(index + i, Buffer.from(pkt));
      plain.set(index + i, { p: payloads[i]!, ts: 1000 * f });
    });
    release();
    index += payloads.length;
  }
  assert.ok(index > 0x10000 + 5, 'the frames went past the wrap');
  // A NACKed packet from before the wrap, protected again with its own index (ROC 0): the same bytes, and werift takes it.
  const before = 0xffff - 3;
  const again = sender.protect([plain.get(before)!.p], before, plain.get(before)!.ts, [MID, ABS]);
  assert.deepEqual(again.packets[0], sent.get(before), 'a retransmission is the same packet (a receiver that got the first sees a replay)');
  assert.doesNotThrow(() => dec.decrypt(again.packets[0]!));
  // The ROC is authenticated: a packet after the wrap does not pass a receiver that still counts ROC 0 (far from the wrap).
  const fresh = werift();
  assert.doesNotThrow(() => fresh.decrypt(sender.protect(frame([10]), 30_000, 0, [MID, ABS]).packets[0]!));
  assert.throws(() => fresh.decrypt(sender.protect(frame([10]), 0x10000 + 30_001, 0, [MID, ABS]).packets[0]!), /authenticat/i);
});

test('a frame\'s packets stay intact until released, whatever is protected meanwhile; indexes beyond 48 bits are refused', () => {
  const sender = new SrtpSender(masterKey, masterSalt, params);
  const a = sender.protect(frame([1200, 1200]), 1, 0, [MID, ABS]);
  const copy = a.packets.map((p) => Buffer.from(p));
  const b = sender.protect(frame([1200, 1200]), 3, 0, [MID, ABS]);
  assert.deepEqual(a.packets, copy);
  a.release();
  b.release();
  const c = sender.protect(frame([50]), 5, 0, [MID, ABS]);
  assert.ok(c.packets[0]!.buffer === a.packets[0]!.buffer || c.packets[0]!.buffer === b.packets[0]!.buffer, 'the pool hands a released buffer out again');
  assert.throws(() => sender.protect(frame([1]), 2 ** 48, 0, [MID, ABS]), RangeError);
  assert.throws(() => sender.protect(frame([1]), 1, 0, [MID]), RangeError);
});
