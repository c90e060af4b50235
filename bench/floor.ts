/**
 * The floor: a bare `ws` broadcast server, nothing but `send` of the same
 * bytes to every viewer in a loop. It replays frames recorded from revcam
 * (same sizes, same wire format), restamping the capture time and sequence
 * number on one fresh copy per frame, as revcam gets one fresh buffer per
 * frame from its service. Whatever revcam spends above this is its own cost.
 *
 * Run as a child of the bench: IPC {op:'start', framesFile, fps} → {url}.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowUs } from '../src/wire/frame.js';

/**
 * ws-send: `ws.send(buf)` per viewer (ws frames it per socket).
 * prebuilt: the WebSocket frame (header + payload) built once per frame and
 * written as is to every viewer's socket: what "build each frame's wire
 * message once for all viewers" can save, measured.
 */
export type FloorMode = 'ws-send' | 'prebuilt';
export type FloorCommand = { op: 'start'; framesFile: string; fps: number; mode: FloorMode };

/** An unmasked, final, binary WebSocket frame carrying `payload` (RFC 6455 §5.2), in one buffer. */
export function webSocketFrame(payload: Uint8Array): Buffer {
  const n = payload.byteLength;
  const headLen = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headLen + n);
  out[0] = 0x82;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out.set(payload, headLen);
  return out;
}

/** Frames recorded for the floor: u32le length + bytes, repeated. */
export function packFrames(frames: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of frames) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(f.byteLength, 0);
    parts.push(len, f);
  }
  return Buffer.concat(parts);
}

export function unpackFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

function start(cmd: FloorCommand): Promise<{ url: string }> {
  const frames = unpackFrames(readFileSync(cmd.framesFile));
  if (frames.length === 0) throw new Error('no frames to replay');
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'accepted', streamId: 'floor', service: 'floor', version: '0', instance: 'floor', camera: 'rear', codec: 'jpeg', width: 0, height: 0, fps: cmd.fps }));
      clients.add(ws);
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => ws.terminate());
  });
  let n = 0;
  const t0 = performance.now();
  const interval = 1000 / cmd.fps;
  const tick = (): void => {
    const buf = Buffer.from(frames[n % frames.length]!);
    buf.writeUInt32LE(n >>> 0, 8);
    buf.writeBigUInt64LE(BigInt(Math.round(nowUs())), 12);
    if (cmd.mode === 'prebuilt') {
      const frame = webSocketFrame(buf);
      for (const ws of clients) (ws as unknown as { _socket: Socket })._socket.write(frame);
    } else for (const ws of clients) ws.send(buf);
    n++;
    setTimeout(tick, Math.max(0, t0 + n * interval - performance.now()));
  };
  tick();
  return new Promise((resolve) => wss.on('listening', () => resolve({ url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}` })));
}

process.on('message', (msg: { id: number; cmd: FloorCommand }) => {
  start(msg.cmd).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
