import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { startTestServer } from '../helpers/server.js';
import { requireCommand } from '../helpers/requireCommand.js';

let app: RevcamApp;
before(async () => {
  app = await startTestServer();
});
after(async () => app.close());

test('GET /api/health answers ok with the services and their state', async () => {
  const res = await fetch(`${app.url}/api/health`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; services: { id: string; state: string }[] };
  assert.equal(body.status, 'ok');
  assert.deepEqual(body.services.map((s) => s.id).sort(), ['cabin-view', 'reversing']);
  assert.equal(body.services.find((s) => s.id === 'reversing')?.state, 'running', 'warm standby runs from boot');
});

test('GET /api/services lists instances with name, version, state, cameras and viewers', async () => {
  const body = (await (await fetch(`${app.url}/api/services`)).json()) as { services: Record<string, unknown>[] };
  const rev = body.services.find((s) => s.name === 'reversing');
  assert.ok(rev);
  assert.equal(rev.version, '1.0.0');
  assert.equal(rev.kind, 'reversing');
  assert.deepEqual(rev.cameras, ['rear', 'front', 'left', 'right']);
  assert.equal(typeof rev.viewers, 'number');
  const cabin = body.services.find((s) => s.name === 'cabin-view');
  assert.equal(cabin?.state, 'stopped', 'a cold service is not started until asked for');
});

test('GET /metrics is Prometheus text with revcam metrics', async () => {
  const res = await fetch(`${app.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  for (const name of ['revcam_frames_in_total', 'revcam_frames_dropped_total', 'revcam_viewers', 'revcam_service_up']) assert.match(text, new RegExp(`# TYPE ${name} `));
});

test('unknown paths and wrong methods get coded JSON errors', async () => {
  const nf = await fetch(`${app.url}/nope`);
  assert.equal(nf.status, 404);
  assert.equal(((await nf.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const post = await fetch(`${app.url}/api/health`, { method: 'POST' });
  assert.equal(post.status, 405);
  const bad = await fetch(`${app.url}/stream.mjpg?service=reversing&camera=rear&evil=1`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  const traversal = await fetch(`${app.url}/app/display/../../config/loadConfig.js`);
  assert.notEqual(traversal.status, 200, 'server code is never served');
  assert.equal((await fetch(`${app.url}/static/main.ts`)).status, 404, 'nor the display sources');
  assert.equal((await fetch(`${app.url}/static/style.css`)).status, 200);
});

test('the display app and its shared wire module are served', async () => {
  const page = await fetch(`${app.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<canvas|<script/);
  const wire = await fetch(`${app.url}/app/wire/frame.js`);
  assert.equal(wire.status, 200);
  assert.match(wire.headers.get('content-type') ?? '', /javascript/);
});

test('ffmpeg reads /stream.mjpg as MJPEG and gets 1280x720 JPEG frames', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const out = await new Promise<Buffer>((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mpjpeg', '-i', `${app.url}/stream.mjpg?service=reversing&camera=rear`, '-frames:v', '10', '-c', 'copy', '-f', 'mjpeg', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.stderr.on('data', (c: Buffer) => (err += c));
    const timer = setTimeout(() => ff.kill('SIGKILL'), 20_000);
    ff.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`ffmpeg exited ${code}: ${err}`));
    });
  });
  let soi = 0;
  for (let i = 0; i + 1 < out.length; i++) if (out[i] === 0xff && out[i + 1] === 0xd8 && out[i + 2] === 0xff) soi++;
  assert.ok(soi >= 10, `ffmpeg copied ${soi} JPEG images`);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-f', 'mjpeg', '-show_entries', 'stream=width,height,codec_name', '-of', 'json', 'pipe:0'], { input: out });
  const info = JSON.parse(probe.stdout.toString()) as { streams: { width: number; height: number; codec_name: string }[] };
  assert.equal(info.streams[0]?.codec_name, 'mjpeg');
  assert.equal(info.streams[0]?.width, 1280);
  assert.equal(info.streams[0]?.height, 720);
});

/** Reads the first JPEG part of a multipart/x-mixed-replace response. */
async function firstMjpegPart(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /multipart\/x-mixed-replace; boundary=revcamframe/);
  const reader = res.body!.getReader();
  let buf = Buffer.alloc(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended before a whole part');
    buf = Buffer.concat([buf, Buffer.from(value)]);
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0) continue;
    const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, headEnd).toString())?.[1]);
    if (buf.length >= headEnd + 4 + len) {
      await reader.cancel();
      return buf.subarray(headEnd + 4, headEnd + 4 + len);
    }
  }
}

test('MJPEG with ?overlay=1 burns the guidelines into the image for clients that cannot draw', async () => {
  const sharp = (await import('sharp')).default;
  const { staticOverlay } = await import('../../src/geometry/guidelines.js');
  const cam = app.config.cameras.rear!;
  const overlay = staticOverlay(cam.calibration, { width: cam.width, height: cam.height, mirror: cam.mirror }, app.config.vehicle);
  const red = overlay.bands.find((b) => b.color === 'red')!;
  // A quarter along the line: the middle sits under the "check surroundings" notice.
  const [u, v] = red.line[Math.floor(red.line.length / 4)]!;
  const pixel = async (jpeg: Buffer) => {
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const i = (Math.round(v) * info.width + Math.round(u)) * info.channels;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  const [r, g, b] = await pixel(await firstMjpegPart(`${app.url}/stream.mjpg?service=reversing&camera=rear&overlay=1`));
  assert.ok(r > 180 && g < 110 && b < 110, `the red band is burned in at (${u.toFixed(0)},${v.toFixed(0)}): rgb ${r},${g},${b}`);
  const [r0, g0] = await pixel(await firstMjpegPart(`${app.url}/stream.mjpg?service=reversing&camera=rear`));
  assert.ok(!(r0 > 180 && g0 < 110), 'without overlay=1 the image is the camera image alone');
});
