/**
 * The gateway against slow and greedy HTTP clients (issue 8, finding 7, and
 * limits.maxConnectionsPerAddress): a trickled body is cut off with
 * REQUEST_TIMEOUT and its descriptor released; a body sent to an endpoint
 * that takes none is refused before it is read; connections over the
 * per-address limit get 503 CAPACITY_EXCEEDED while the others carry on.
 * The server runs in this process, so /proc/self/fd counts its descriptors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { startTestServer } from '../helpers/server.js';

const BODY_TIMEOUT_MS = 1_000;
let app: RevcamApp;

before(async () => {
  app = await startTestServer({ serviceHost: { spare: false }, limits: { bodyTimeoutMs: BODY_TIMEOUT_MS, headersTimeoutMs: 5_000, maxConnectionsPerAddress: 40 } });
});
after(async () => app.close());

const fds = () => readdirSync('/proc/self/fd').length;

interface RawClient {
  socket: Socket;
  text: () => string;
  closed: Promise<number>;
}

/** A raw client; `closed` resolves with the ms from connect to the server closing it. */
function raw(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let text = '';
    const t0 = Date.now();
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - t0)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, text: () => text, closed }));
    socket.once('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, sleep(ms).then(() => assert.fail(`${what} within ${ms} ms`))]);

test('30 connections trickling a POST body are answered REQUEST_TIMEOUT and closed; descriptors return', { timeout: 60_000 }, async () => {
  const baseline = fds();
  const clients = await Promise.all(Array.from({ length: 30 }, () => raw(app.port)));
  const timers: NodeJS.Timeout[] = [];
  for (const c of clients) {
    c.socket.write('POST /api/signals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n');
    timers.push(setInterval(() => c.socket.writable && c.socket.write('{'), 200));
  }
  assert.ok(fds() >= baseline + 30, 'each trickling client holds a descriptor while it lasts');
  const closedAfter = await within(Promise.all(clients.map((c) => c.closed)), BODY_TIMEOUT_MS + 8_000, 'every trickling connection closed');
  timers.forEach(clearInterval);
  for (const c of clients) {
    assert.match(c.text(), /^HTTP\/1\.1 408 /);
    assert.match(c.text(), /"code":"REQUEST_TIMEOUT"/);
  }
  process.stderr.write(`# trickled bodies closed after ${Math.min(...closedAfter)}–${Math.max(...closedAfter)} ms\n`);
  const deadline = Date.now() + 5_000;
  while (fds() > baseline && Date.now() < deadline) await sleep(50);
  assert.ok(fds() <= baseline, `descriptors back to baseline (${baseline}), now ${fds()}`);
});

for (const [method, path] of [['GET', '/api/health'], ['POST', '/api/health'], ['GET', '/stream.mjpg']] as const) {
  test(`a 50 MB body to ${method} ${path} (which takes none) is refused before it is read`, { timeout: 60_000 }, async () => {
    const total = 50 * 1024 * 1024;
    const c = await raw(app.port);
    c.socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let answeredAt = -1;
    let stop = false;
    void c.closed.then(() => (stop = true));
    c.socket.once('data', () => (answeredAt = sent));
    while (!stop && sent < total) {
      if (!c.socket.write(chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed, sleep(2_000)]);
      sent += chunk.length;
    }
    await within(c.closed, 5_000, 'the server closing the connection');
    assert.match(c.text(), /^HTTP\/1\.1 413 /);
    assert.match(c.text(), /Connection: close/i);
    assert.match(c.text(), /"code":"MESSAGE_TOO_LARGE"/);
    assert.ok(answeredAt >= 0 && answeredAt < total, `answered while the client was still writing (after ${answeredAt} bytes)`);
    assert.ok(sent < total, `the connection was closed before the whole body was sent (${sent} of ${total} bytes)`);
  });
}

test('connections over maxConnectionsPerAddress get 503 CAPACITY_EXCEEDED; the others are served', { timeout: 60_000 }, async () => {
  const held = await Promise.all(Array.from({ length: 40 }, () => raw(app.port)));
  await sleep(200);
  const over = await raw(app.port);
  over.socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
  await within(over.closed, 5_000, 'the over-limit connection closed');
  assert.match(over.text(), /^HTTP\/1\.1 503 /);
  assert.match(over.text(), /Retry-After: 1/);
  assert.match(over.text(), /"code":"CAPACITY_EXCEEDED"/);
  // A connection within the limit still works.
  const first = held[0]!;
  first.socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await within(first.closed, 5_000, 'the held connection answered');
  assert.match(first.text(), /^HTTP\/1\.1 200 /);
  for (const c of held) c.socket.destroy();
  await Promise.all(held.map((c) => c.closed));
  await sleep(200);
  // Once they close, the address may connect again.
  const again = await fetch(`${app.url}/api/health`);
  assert.equal(again.status, 200);
});
