/**
 * The server's clock on the stream WebSocket (docs/protocol.md §3.5) and the
 * probe's age rule against a real revcam: the server answers `clock` at any
 * time and puts its clock and the age limit in `accepted`; a probe behind a
 * relay that holds frames back 500 ms reports them as stale, not received.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { runProbe, streamUrl } from '../../src/cli/probe.js';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { nowUs } from '../../src/wire/frame.js';
import type { AcceptedMessage, ClockMessage, ErrorMessage } from '../../src/wire/messages.js';
import { startDelayProxy } from '../helpers/delayProxy.js';
import { startTestServer } from '../helpers/server.js';

let app: RevcamApp;

before(async () => {
  app = await startTestServer({ display: { maxFrameAgeMs: 250 } });
});
after(() => app.close());

/** Collects text messages by type. */
function textMessages(ws: WebSocket): Array<{ type: string } & Record<string, unknown>> {
  const out: Array<{ type: string } & Record<string, unknown>> = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) out.push(JSON.parse(data.toString()));
  });
  return out;
}

async function until<T>(what: string, get: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the server answers clock exchanges before and after the request and gives its clock and the age limit in accepted', async () => {
  const ws = new WebSocket(streamUrl(app.url));
  const msgs = textMessages(ws);
  await once(ws, 'open');
  const t0 = nowUs();
  ws.send(JSON.stringify({ type: 'clock', t0 }));
  const first = await until('a clock answer', () => msgs.find((m) => m.type === 'clock') as ClockMessage | undefined);
  const t3 = nowUs();
  assert.equal(first.t0, t0, 't0 is echoed');
  // Same machine: the server's times lie between the client's send and receive.
  assert.ok(first.t1 >= t0 - 5_000 && first.t1 <= first.t2 && first.t2 <= t3 + 5_000, JSON.stringify({ ...first, t3 }));

  const requestUs = nowUs();
  ws.send(JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg' }));
  const accepted = await until('accepted', () => msgs.find((m) => m.type === 'accepted') as AcceptedMessage | undefined);
  assert.equal(accepted.maxFrameAgeMs, 250, 'display.maxFrameAgeMs from the config');
  assert.ok(typeof accepted.serverTimeUs === 'number' && accepted.serverTimeUs >= requestUs - 5_000 && accepted.serverTimeUs <= nowUs() + 5_000);

  // After the request: still answered, and the stream goes on.
  ws.send(JSON.stringify({ type: 'clock', t0: 42 }));
  await until('a second clock answer', () => msgs.find((m) => m.type === 'clock' && m.t0 === 42));
  // A malformed one is a BAD_REQUEST that does not end the stream.
  ws.send(JSON.stringify({ type: 'clock', t0: 'soon' }));
  const err = await until('an error', () => msgs.find((m) => m.type === 'error') as ErrorMessage | undefined);
  assert.equal(err.code, 'BAD_REQUEST');
  assert.match(err.message, /clock/);
  let frames = 0;
  ws.on('message', (_d, isBinary) => {
    if (isBinary) frames++;
  });
  await until('frames after the bad clock message', () => (frames >= 3 ? true : undefined));
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.close();
});

test('the probe reports frames held back 500 ms as stale, not as received; without the delay it receives them', async () => {
  const proxy = await startDelayProxy(app.url, 500);
  try {
    const delayed = await runProbe({ url: proxy.url, frames: 5, timeoutMs: 3_000 });
    assert.equal(delayed.ok, false);
    assert.equal(delayed.error?.code, 'TIMEOUT');
    assert.match(delayed.error?.message ?? '', /stale frames older than 250 ms not counted/);
    assert.equal(delayed.frames, 0, 'a 500 ms old frame was counted as received');
    assert.ok(delayed.staleFrames > 5, `stale ${delayed.staleFrames}`);
    assert.ok(delayed.maxAgeMs !== null && delayed.maxAgeMs >= 450, `oldest ${delayed.maxAgeMs} ms`);
    assert.equal(delayed.maxFrameAgeMs, 250);
    assert.equal(delayed.firstFrameAgeMs, null);
    assert.ok(delayed.clock && delayed.clock.rttMs >= 450, `clock ${JSON.stringify(delayed.clock)}`);

    proxy.delayMs = 0;
    const direct = await runProbe({ url: proxy.url, frames: 5, timeoutMs: 10_000 });
    assert.equal(direct.ok, true, JSON.stringify(direct.errors));
    assert.equal(direct.frames, 5);
    assert.ok(direct.clock && direct.clock.rttMs < 250, `clock ${JSON.stringify(direct.clock)}`);
    assert.ok(direct.latencyMs !== null && direct.latencyMs.max <= 250 + 20);
  } finally {
    await proxy.close();
  }
});
