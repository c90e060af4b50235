/**
 * The floor under a WHEP viewer's cost (issue 19, docs/whep.md "The floor"):
 * what the two things every SRTP packet needs, whoever writes the sender,
 * cost on this machine in Node, one process, CPU time (user + system):
 *
 * 1. one `dgram` `send` of a 1250-byte datagram to a socket on loopback,
 *    read by another process (as a WHEP viewer's packets are): Node has no
 *    `sendmmsg` nor UDP GSO, so it is one system call per packet, and on
 *    loopback the sender's call also carries the packet up the receiver's
 *    stack;
 * 2. HMAC-SHA1 over the packet (the AES_CM_128_HMAC_SHA1_80 tag) as two
 *    one-shot hashes, revcam's way (src/whep/srtp/sender.ts).
 *
 * Times the AES-CM keystream too (one AES-ECB call per 20-packet frame).
 * `node dist/bench/whepFloor.js [--packets N] [--pps 458]` prints µs per
 * packet and the % of a core a viewer costs at `pps` packets a second from
 * these alone. Not part of the bench's verdicts.
 */
import { fork } from 'node:child_process';
import { createCipheriv, hash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const PACKET_BYTES = 1250;

/** CPU microseconds (user + system) of this process while `fn` runs. */
async function cpuUs(fn: () => Promise<void> | void): Promise<number> {
  const a = process.cpuUsage();
  await fn();
  const b = process.cpuUsage(a);
  return b.user + b.system;
}

async function sendCost(packets: number): Promise<{ usPerPacket: number; received: number }> {
  // The receiver: another process, so its reads are not this one's CPU.
  const child = fork(fileURLToPath(import.meta.url), ['--receive'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((res) => child.once('message', (m: { port: number }) => res(m.port)));
  const socket = createSocket('udp4');
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', res));
  const data = randomBytes(PACKET_BYTES);
  // Frames of 20 packets at a time, the last one's callback awaited, as src/whep/directRtp.ts sends.
  const us = await cpuUs(async () => {
    for (let sent = 0; sent < packets; sent += 20) {
      await new Promise<void>((res) => {
        for (let i = 0; i < 19; i++) socket.send(data, port, '127.0.0.1');
        socket.send(data, port, '127.0.0.1', () => res());
      });
      // Pacing: a viewer's packets come a frame at a time; the receiver's buffer must not overflow.
      if (sent % 400 === 0) await new Promise((r) => setImmediate(r));
    }
  });
  child.send('count');
  const received = await new Promise<number>((res) => child.once('message', (m: { received: number }) => res(m.received)));
  child.kill();
  socket.close();
  return { usPerPacket: us / packets, received };
}

function hmacCost(packets: number): number {
  const ipad = Buffer.alloc(64 + PACKET_BYTES, 0x36);
  const opad = Buffer.alloc(64 + 20, 0x5c);
  let sink = 0;
  const a = process.cpuUsage();
  for (let i = 0; i < packets; i++) {
    ipad[70] = i & 0xff;
    const inner = hash('sha1', ipad, 'buffer');
    inner.copy(opad, 64);
    sink ^= hash('sha1', opad, 'buffer')[0]!;
  }
  const b = process.cpuUsage(a);
  if (sink === 256) process.stdout.write('');
  return (b.user + b.system) / packets;
}

function aesCost(packets: number): number {
  const ecb = createCipheriv('aes-128-ecb', randomBytes(16), null).setAutoPadding(false);
  const blocks = Buffer.alloc(20 * 76 * 16);
  const a = process.cpuUsage();
  for (let i = 0; i < packets; i += 20) {
    blocks.writeUInt32BE(i, 0);
    ecb.update(blocks);
  }
  const b = process.cpuUsage(a);
  return (b.user + b.system) / packets;
}

async function receive(): Promise<void> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', res));
  process.send?.({ port: socket.address().port });
  process.on('message', () => process.send?.({ received }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { packets: { type: 'string', default: '200000' }, pps: { type: 'string', default: '458' }, receive: { type: 'boolean' } } });
  if (values.receive) return receive();
  const n = Number(values.packets);
  const pps = Number(values.pps);
  hmacCost(20_000);
  aesCost(20_000);
  const send = await sendCost(n);
  const hmac = hmacCost(n);
  const aes = aesCost(n);
  const total = send.usPerPacket + hmac + aes;
  const line = (name: string, us: number) => `${us.toFixed(2).padStart(7)} µs/packet  ${((us * pps) / 1e4).toFixed(3)} % of a core at ${pps} packets/s  ${name}\n`;
  process.stdout.write(line(`UDP send of ${PACKET_BYTES} B on loopback (${send.received} of ${n} received by the other process)`, send.usPerPacket));
  process.stdout.write(line('HMAC-SHA1 tag (two one-shot SHA-1 hashes)', hmac));
  process.stdout.write(line('AES-CM keystream (one AES-ECB call per 20-packet frame)', aes));
  process.stdout.write(line('the floor: what any SRTP sender in Node pays per packet', total));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
