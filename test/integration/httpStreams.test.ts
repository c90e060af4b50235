/**
 * HTTP streams (/stream.mjpg, /stream.h264) against clients that leave early
 * or stop reading (issue 8, findings 3 and 8): a client gone at any moment,
 * even while its cold service is starting, leaves no viewer, no open camera
 * and no encoder behind; a reader that stops reading is disconnected by the
 * 2 s rule while another viewer keeps its frames.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';
import { children } from './sources/media.js';

const SKIP = hasCommand('curl') && hasCommand('ffmpeg') ? false : 'curl and ffmpeg are needed';
let app: RevcamApp;

before(async () => {
  if (SKIP) return;
  app = await startTestServer({
    services: [
      { manifest: 'builtin:reversing', standby: 'warm' },
      { manifest: 'builtin:cabin', standby: 'cold', idleStopMs: 300 },
    ],
  });
});
after(async () => app?.close());

async function servicesNow(): Promise<{ id: string; state: string; viewers: number }[]> {
  const body = (await (await fetch(`${app.url}/api/services`)).json()) as { services: { id: string; state: string; viewers: number }[] };
  return body.services;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    last = await servicesNow();
    await sleep(100);
  }
}

function curl(url: string, maxSeconds: number): Promise<void> {
  return new Promise((resolve) => {
    const p = spawn('curl', ['-s', '-m', String(maxSeconds), url, '-o', '/dev/null'], { stdio: 'ignore' });
    p.on('exit', () => resolve());
  });
}

/** A raw client that sends the request and destroys its socket after `ms`. */
function rawGone(port: number, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      setTimeout(() => {
        s.destroy();
        resolve();
      }, ms);
    });
    s.on('error', () => resolve());
  });
}

for (const path of ['/stream.mjpg', '/stream.h264']) {
  test(`${path}: clients gone at any moment (also while the cold service starts) leave nothing behind`, { skip: SKIP, timeout: 120_000 }, async () => {
    const query = `${path}?service=cabin-view&camera=cabin`;
    // Each round starts from a stopped service, so the early ones go while it is starting.
    for (const delayMs of [10, 20, 50, 100, 200]) {
      await Promise.all([curl(`${app.url}${query}`, delayMs / 1000), rawGone(app.port, query, delayMs), rawGone(app.port, query, 0)]);
    }
    // And a burst while the service runs: gone at once, and gone mid-stream.
    await Promise.all([0, 1, 5, 30, 300].map((ms) => rawGone(app.port, query, ms)));
    const cabin = await eventually(
      'cabin-view with no viewers, stopped after idleStopMs',
      async () => (await servicesNow()).find((s) => s.id === 'cabin-view' && s.viewers === 0 && s.state === 'stopped'),
      20_000,
    );
    assert.equal(cabin.viewers, 0);
    assert.deepEqual(app.hub.streams().filter((s) => s.instanceId === 'cabin-view').map((s) => s.id), [], 'no stream (camera, encoder) is left open');
    const pid = app.host.get('cabin-view')?.pid;
    assert.ok(pid === undefined || children(pid).every((c) => c.comm !== 'ffmpeg'), 'no ffmpeg encoder is left running');
  });
}

/** A raw MJPEG/H.264 reader: counts bytes; can pause like a frozen client. */
function rawReader(port: number, path: string): { socket: Socket; bytes: () => number; ended: Promise<void> } {
  let bytes = 0;
  const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  socket.on('data', (c: Buffer) => (bytes += c.length));
  const ended = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  return { socket, bytes: () => bytes, ended };
}

// Kernel socket buffers (a few MB on Linux) fill before the server can see a stall: seconds of
// JPEG video, longer for H.264's lower bitrate (docs/protocol.md §6.5). Bounds are generous.
for (const [path, codec, boundMs] of [['/stream.mjpg', 'jpeg', 10_000], ['/stream.h264', 'h264', 40_000]] as const) {
  test(`${path}: a reader that stops reading is disconnected by the 2 s rule; another viewer keeps its frames`, { skip: SKIP, timeout: 90_000 }, async () => {
    const other = new TestViewer(app.url);
    assert.equal((await other.request({ codec })).type, 'accepted');
    await other.waitForFrames(3);
    const reader = rawReader(app.port, `${path}?service=reversing&camera=rear`);
    await eventually('the raw reader receiving', async () => reader.bytes() > 10_000, 15_000);
    const viewersOf = async () => (await servicesNow()).find((s) => s.id === 'reversing')?.viewers ?? -1;
    assert.equal(await viewersOf(), 2);
    reader.socket.pause();
    const pausedAt = Date.now();
    await eventually('the stalled reader removed', async () => (await viewersOf()) === 1, boundMs + 5_000);
    const cutAfterMs = Date.now() - pausedAt;
    // Kernel buffers fill first (≈ 1-2 s of video), then 2 s without draining: a generous bound on a shared machine.
    assert.ok(cutAfterMs < boundMs, `disconnected ${cutAfterMs} ms after it stopped reading`);
    const framesBefore = other.frames.length;
    await other.waitForFrames(10);
    assert.ok(other.frames.length > framesBefore, 'the other viewer keeps receiving');
    // On resume it gets what the kernel held (bounded), then the close: never an open-ended past.
    const before = reader.bytes();
    reader.socket.resume();
    await Promise.race([reader.ended, sleep(10_000).then(() => assert.fail('the stalled reader was never closed'))]);
    process.stderr.write(`# ${path}: cut ${cutAfterMs} ms after pausing; ${reader.bytes() - before} bytes delivered after resume\n`);
    other.close();
  });
}
