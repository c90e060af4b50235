/**
 * The experiment behind finding F1 in docs/performance.md: does gating a
 * viewer on WebSocket pings bound what a stalled viewer gets when it reads
 * again? A bare ws server sends 50 kB frames at 30 fps to one viewer that
 * pauses for 5 s, first ungated, then gated (a ping after each frame; no frame
 * while the oldest unanswered ping is older than 100 ms).
 * Run: node dist/bench/pingGate.js
 */
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { sleep } from './util.js';

export interface GateResult {
  gated: boolean;
  /** Age of the first frame after resuming, ms. */
  firstAgeMs: number | null;
  /** Frames older than two intervals received after resuming, before a live one. */
  backlogFrames: number;
  liveAfterMs: number | null;
  sent: number;
  skipped: number;
}

export async function pingGateExperiment(gated: boolean, stallMs = 5000, gateMs = 100): Promise<GateResult> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const frame = Buffer.alloc(50_000, 1);
  let sent = 0;
  let skipped = 0;
  wss.on('connection', (ws) => {
    const outstanding: number[] = [];
    ws.on('pong', () => outstanding.shift());
    const timer = setInterval(() => {
      const now = performance.now();
      if (gated && outstanding.length > 0 && now - outstanding[0]! > gateMs) {
        skipped++;
        return;
      }
      const buf = Buffer.from(frame);
      buf.writeDoubleLE(Date.now(), 0);
      ws.send(buf);
      sent++;
      if (gated) {
        ws.ping();
        outstanding.push(now);
      }
    }, 1000 / 30);
    ws.on('close', () => clearInterval(timer));
  });
  const c = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  let resumedAt = 0;
  const out: GateResult = { gated, firstAgeMs: null, backlogFrames: 0, liveAfterMs: null, sent: 0, skipped: 0 };
  c.on('message', (d: Buffer) => {
    if (!resumedAt || out.liveAfterMs !== null) return;
    const age = Date.now() - d.readDoubleLE(0);
    out.firstAgeMs ??= age;
    if (age <= 67) out.liveAfterMs = Date.now() - resumedAt;
    else out.backlogFrames++;
  });
  await new Promise((r) => c.once('open', r));
  await sleep(1000);
  c.pause();
  await sleep(stallMs);
  resumedAt = Date.now();
  c.resume();
  await sleep(1500);
  c.terminate();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((r) => wss.close(r));
  return { ...out, sent, skipped };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const gated of [false, true]) console.log(JSON.stringify(await pingGateExperiment(gated)));
}
