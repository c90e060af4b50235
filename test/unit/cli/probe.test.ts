import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProbeExit, probeCommand, probeExitCode, runProbe, seqGap, streamUrl } from '../../../src/cli/probe.js';
import { encodeFrame, nowUs } from '../../../src/wire/frame.js';
import type { AcceptedMessage, ServerMessage, StreamRequestMessage } from '../../../src/wire/messages.js';

type Script = (ws: WebSocket, req: StreamRequestMessage) => void;

/** A stand-in server: answers the first request with `script`, records requests and closes. */
async function fakeServer(script: Script) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/api/stream' });
  await once(wss, 'listening');
  const requests: StreamRequestMessage[] = [];
  const closed: Promise<void>[] = [];
  wss.on('connection', (ws) => {
    closed.push(once(ws, 'close').then(() => undefined));
    ws.once('message', (data) => {
      const req = JSON.parse(data.toString()) as StreamRequestMessage;
      requests.push(req);
      script(ws, req);
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    clientsClosed: () => Promise.all(closed),
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

const send = (ws: WebSocket, msg: ServerMessage): void => ws.send(JSON.stringify(msg));

function accept(ws: WebSocket, req: StreamRequestMessage): void {
  const msg: AcceptedMessage = { type: 'accepted', streamId: 's1', service: req.service, version: '1.2.3', instance: 'i-1', camera: req.camera, codec: req.codec, width: 320, height: 240, fps: 30 };
  send(ws, msg);
}

function sendFrames(ws: WebSocket, seqs: number[], ageUs = 0): void {
  for (const seq of seqs) {
    ws.send(encodeFrame({ version: 1, codec: 'jpeg', keyframe: true, discontinuity: false, seq, captureUs: nowUs() - ageUs, width: 320, height: 240, payload: new Uint8Array(100) }));
  }
}

test('streamUrl maps a server base to its WebSocket stream endpoint', () => {
  assert.equal(streamUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/api/stream');
  assert.equal(streamUrl('https://car.local/revcam/'), 'wss://car.local/revcam/api/stream');
  assert.equal(streamUrl('ws://h:1/api/stream?token=t'), 'ws://h:1/api/stream?token=t');
  assert.throws(() => streamUrl('ftp://h/'), TypeError);
});

test('seqGap counts skipped sequence numbers across the uint32 wrap', () => {
  assert.equal(seqGap(4, 5), 0);
  assert.equal(seqGap(4, 8), 3);
  assert.equal(seqGap(0xffff_ffff, 0), 0);
  assert.equal(seqGap(0xffff_fffe, 1), 2);
  assert.equal(seqGap(100, 3), 0, 'a restart going backwards is not a drop');
  assert.equal(seqGap(5, 5), 0);
});

test('the probe sends the request it was given and reports frames, drops, size and latency', async (t) => {
  const srv = await fakeServer((ws, req) => {
    accept(ws, req);
    sendFrames(ws, [10, 11, 14, 15, 16, 20], 50_000);
  });
  t.after(() => srv.close());
  const seen: number[] = [];
  const r = await runProbe({ url: srv.url, frames: 6, camera: 'cabin', codec: 'jpeg', token: 'tok', maxWidth: 640, maxFps: 15, onFrame: (f) => seen.push(f.seq) });
  assert.deepEqual(srv.requests, [{ type: 'request', service: 'reversing', camera: 'cabin', codec: 'jpeg', token: 'tok', maxWidth: 640, maxFps: 15 }]);
  assert.equal(r.ok, true);
  assert.equal(r.error, null);
  assert.equal(probeExitCode(r), ProbeExit.ok);
  assert.deepEqual(seen, [10, 11, 14, 15, 16, 20]);
  assert.equal(r.frames, 6);
  assert.equal(r.dropped, 2 + 3);
  assert.equal(r.keyframes, 6);
  assert.equal(r.bytes, 6 * (32 + 100));
  assert.deepEqual([r.codec, r.width, r.height], ['jpeg', 320, 240]);
  assert.deepEqual([r.version, r.instance, r.streamId], ['1.2.3', 'i-1', 's1']);
  // Frames were captured 50 ms before they were sent, so none can be younger than that.
  assert.ok(r.firstFrameAgeMs !== null && r.firstFrameAgeMs >= 50);
  assert.ok(r.latencyMs !== null && r.latencyMs.min >= 50 && r.latencyMs.min <= r.latencyMs.max);
  assert.ok(r.ttffMs !== null && r.ttffMs >= 0);
  await srv.clientsClosed();
});

test('an error message from the server ends the probe with its code and exit code 2', async (t) => {
  const srv = await fakeServer((ws) => send(ws, { type: 'error', code: 'SERVICE_NOT_FOUND', message: 'no service nope' }));
  t.after(() => srv.close());
  const r = await runProbe({ url: srv.url, service: 'nope' });
  assert.equal(r.ok, false);
  assert.deepEqual(r.error, { code: 'SERVICE_NOT_FOUND', message: 'no service nope' });
  assert.equal(r.frames, 0);
  assert.equal(r.ttffMs, null);
  assert.equal(probeExitCode(r), ProbeExit.rejected);
});

test('a stream that never sends frames times out with exit code 1 and keeps the statuses seen', async (t) => {
  const srv = await fakeServer((ws, req) => {
    accept(ws, req);
    send(ws, { type: 'status', event: 'SOURCE_LOST', message: 'camera gone' });
  });
  t.after(() => srv.close());
  const r = await runProbe({ url: srv.url, timeoutMs: 150 });
  assert.equal(r.error?.code, 'TIMEOUT');
  assert.deepEqual(r.statuses.map((s) => s.event), ['SOURCE_LOST']);
  assert.equal(probeExitCode(r), ProbeExit.failed);
  await srv.clientsClosed();
});

test('STREAM_ENDED before enough frames stops the probe as failed', async (t) => {
  const srv = await fakeServer((ws, req) => {
    accept(ws, req);
    sendFrames(ws, [0, 1]);
    send(ws, { type: 'status', event: 'STREAM_ENDED', message: 'service stopped' });
  });
  t.after(() => srv.close());
  const r = await runProbe({ url: srv.url, frames: 5 });
  assert.equal(r.error?.code, 'STREAM_ENDED');
  assert.equal(r.frames, 2);
  assert.equal(probeExitCode(r), ProbeExit.failed);
});

test('a malformed frame is reported and not counted', async (t) => {
  const srv = await fakeServer((ws, req) => {
    accept(ws, req);
    ws.send(new Uint8Array([1, 2, 3]));
    sendFrames(ws, [0]);
  });
  t.after(() => srv.close());
  const r = await runProbe({ url: srv.url, frames: 1 });
  assert.equal(r.frames, 1);
  assert.equal(r.error, null);
  assert.deepEqual(r.errors.map((e) => e.code), ['BAD_FRAME']);
  assert.equal(r.ok, false);
  assert.equal(probeExitCode(r), ProbeExit.failed);
});

test('a refused connection is reported as CONNECT_FAILED', async () => {
  const srv = await fakeServer(() => undefined);
  const url = srv.url;
  await srv.close();
  const r = await runProbe({ url, timeoutMs: 2000 });
  assert.equal(r.error?.code, 'CONNECT_FAILED');
  assert.equal(probeExitCode(r), ProbeExit.failed);
});

test('probeCommand --json prints one parseable JSON object and returns the exit code', async (t) => {
  const srv = await fakeServer((ws, req) => {
    accept(ws, req);
    sendFrames(ws, [1, 2, 3]);
  });
  t.after(() => srv.close());
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
  const code = await probeCommand([srv.url, '--frames', '3', '--json', '--camera', 'rear'], io);
  assert.equal(code, 0);
  assert.equal(err, '');
  const parsed = JSON.parse(out) as Record<string, unknown>;
  for (const key of ['frames', 'fps', 'ttffMs', 'firstFrameAgeMs', 'latencyMs', 'dropped', 'bytes', 'codec', 'width', 'height', 'service', 'camera']) {
    assert.ok(key in parsed, `missing ${key}`);
  }
  assert.equal(parsed.frames, 3);
  assert.equal(parsed.camera, 'rear');
});

test('probeCommand refuses bad arguments with the usage exit code', async () => {
  let err = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } };
  assert.equal(await probeCommand([], io), ProbeExit.usage);
  assert.equal(await probeCommand(['http://h', '--frames', '0'], io), ProbeExit.usage);
  assert.equal(await probeCommand(['http://h', '--codec', 'vp8'], io), ProbeExit.usage);
  assert.equal(await probeCommand(['http://h', '--bogus'], io), ProbeExit.usage);
  assert.match(err, /^revcam: probe: .*\(revcam probe --help\)$/m);
});

test('frames older than the limit are stale, not received; their age is taken on the server clock the probe measured', async (t) => {
  // A server whose clock runs 10 s behind the probe's: without the clock exchange
  // every frame would look 10 s old; with it, only the ones really old are stale.
  const skewUs = -10_000_000;
  const serverNow = () => nowUs() + skewUs;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/api/stream' });
  await once(wss, 'listening');
  t.after(() => new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => resolve());
  }));
  wss.on('connection', (ws) => {
    let framesSent = false;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; t0?: number; camera?: string };
      if (m.type === 'request') {
        const t = serverNow();
        send(ws, { type: 'accepted', streamId: 's', service: 'reversing', version: '1', instance: 'i', camera: 'rear', codec: 'jpeg', width: 320, height: 240, fps: 30, maxFrameAgeMs: 200, requestReceivedUs: t, serverTimeUs: t });
        return;
      }
      if (m.type !== 'clock' || m.t0 === undefined) return;
      const t1 = serverNow();
      send(ws, { type: 'clock', t0: m.t0, t1, t2: serverNow() });
      if (framesSent) return;
      framesSent = true;
      // Then frames: 50 ms, 600 ms, 50 ms, 900 ms, 50 ms old on the server's clock.
      for (const [seq, ageMs] of [[1, 50], [2, 600], [3, 50], [4, 900], [5, 50]] as const) {
        ws.send(encodeFrame({ version: 1, codec: 'jpeg', keyframe: true, discontinuity: false, seq, captureUs: serverNow() - ageMs * 1000, width: 320, height: 240, payload: new Uint8Array(10) }));
      }
    });
  });
  const port = (wss.address() as AddressInfo).port;
  const seen: Array<[number, boolean]> = [];
  const r = await runProbe({ url: `http://127.0.0.1:${port}`, frames: 3, timeoutMs: 5_000, onFrame: (f, _ms, age) => seen.push([f.seq, age.stale]) });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.frames, 3);
  assert.equal(r.staleFrames, 2);
  assert.equal(r.maxFrameAgeMs, 200);
  assert.ok(r.maxAgeMs !== null && r.maxAgeMs >= 900 && r.maxAgeMs < 1_200, `oldest ${r.maxAgeMs}`);
  assert.deepEqual(seen, [[1, false], [2, true], [3, false], [4, true], [5, false]]);
  assert.equal(r.dropped, 0, 'stale frames were received, not lost');
  assert.ok(r.clock && Math.abs(r.clock.offsetMs - skewUs / 1000) <= r.clock.boundMs + 1, `clock ${JSON.stringify(r.clock)}`);
  // The limit can be set on the command line too.
  const strict = await runProbe({ url: `http://127.0.0.1:${port}`, frames: 1, timeoutMs: 2_000, maxFrameAgeMs: 20 });
  assert.equal(strict.frames, 0);
  assert.equal(strict.staleFrames, 5);
  assert.equal(strict.error?.code, 'TIMEOUT');
});
