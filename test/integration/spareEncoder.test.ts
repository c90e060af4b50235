/**
 * Spare encoder (h264.spareEncoder): a warm reversing service keeps an idle
 * ffmpeg encoder for the synthetic camera's first H.264 viewer. The encoder
 * that serves the first H.264 viewer is the process spawned before it asked;
 * a fresh spare replaces it when that viewer leaves; nothing outlives the
 * service. Behaviour only: what this buys in time is measured by the bench
 * (case 1, 'gear→frame warm h264').
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { alive } from '../helpers/processTree.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { TestViewer } from '../helpers/viewer.js';
import { children, decodeH264, hasParameterSets, run } from './sources/media.js';

const SKIP = hasCommand('ffmpeg') ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);

let app: RevcamApp;
let hostPid: number;
let closed = false;
const ffmpegs = () => children(hostPid).filter((c) => c.comm === 'ffmpeg');
const isEncoder = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('libx264');

before(async () => {
  if (SKIP) return;
  app = await startTestServer({
    cameras: { rear: { source: 'synthetic', width: 320, height: 180, fps: 30 } },
    services: [{ manifest: 'builtin:reversing', standby: 'warm' }],
  });
  hostPid = app.host.get('reversing')!.pid!;
});
after(async () => {
  if (!closed) await app?.close();
});

test('the first H.264 viewer is served by the encoder spawned before it asked; a new spare follows it; none outlives the service', { skip: SKIP }, async () => {
  const [spare] = await until('a spare encoder while no H.264 viewer watches', 10_000, async () => (ffmpegs().length > 0 ? ffmpegs() : undefined));
  assert.equal(ffmpegs().length, 1, 'one spare');
  assert.ok(isEncoder(spare!.pid), 'the spare is an x264 encoder');

  const v = new TestViewer(app.url, { keepPayloads: true });
  try {
    const reply = await v.request({ codec: 'h264' });
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    await v.waitForFrames(10);
    assert.deepEqual(ffmpegs().map((p) => p.pid), [spare!.pid], 'the spare serves the viewer, no other encoder was spawned');
    const got = v.frames.slice();
    assert.ok(got[0]!.keyframe && hasParameterSets(got[0]!.payload), 'the first frame is a keyframe with SPS/PPS');
    assert.equal(await decodeH264(got.map((f) => f.payload)), got.length, 'every frame decodes');
    // The spare was primed with a black picture: its output is dropped, the viewer's first picture is the camera's.
    const { stdout: gray } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], Buffer.from(got[0]!.payload));
    const mean = gray.reduce((a, b) => a + b, 0) / gray.length;
    assert.ok(gray.length === 320 * 180 && mean > 40, `the first picture is the camera's scene, not the black priming picture (mean luma ${mean.toFixed(1)})`);
  } finally {
    v.close();
  }

  const [next] = await until('the used encoder to stop and a new spare to take its place', 10_000, async () => {
    const now = ffmpegs();
    return !alive(spare!.pid) && now.length === 1 && now[0]!.pid !== spare!.pid ? now : undefined;
  });

  closed = true;
  await app.close();
  await until('the spare to end with the service', 5_000, async () => !alive(next!.pid) || undefined);
});
