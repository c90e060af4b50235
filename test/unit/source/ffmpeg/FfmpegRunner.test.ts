import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FfmpegRunner } from '../../../../src/source/ffmpeg/FfmpegRunner.js';

/** A stand-in for ffmpeg: a Node process that writes `frames` tiny JPEGs, then hangs or exits. */
function fakeFfmpeg(frames: number, then: 'hang' | 'exit'): string[] {
  const script = `
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    let n = 0;
    const t = setInterval(() => {
      if (n++ < ${frames}) return void process.stdout.write(jpeg);
      clearInterval(t);
      ${then === 'exit' ? "process.stderr.write('camera unplugged\\n'); process.exit(3);" : 'setTimeout(() => {}, 1e9);'}
    }, 5);`;
  return ['-e', script];
}

/** Stall limit: generous, so a start-up slowed by a loaded machine is not taken for a stall. */
const STALL_MS = 1500;

function runner(args: string[], stallTimeoutMs = STALL_MS) {
  const r = new FfmpegRunner({ name: 'test camera', command: process.execPath, args: () => args, output: 'jpeg', stallTimeoutMs, backoff: { initialMs: 20, maxMs: 100 } });
  const events: string[] = [];
  let spawns = 0;
  r.on('spawned', () => spawns++);
  r.on('lost', (why) => events.push(`lost: ${why}`));
  r.on('restored', () => events.push('restored'));
  r.on('frame', () => events.push('frame'));
  return { r, events, spawns: () => spawns };
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((res) => setTimeout(res, 5));
  }
}

test('a process that stops delivering is killed after stallTimeoutMs, reported lost once, restarted, and restored', async (t) => {
  const { r, events, spawns } = runner(fakeFfmpeg(2, 'hang'));
  t.after(() => r.stop()); // a failed wait must not leave the runner restarting for ever
  await r.start();
  await until(() => events.filter((e) => e === 'restored').length >= 2);
  await r.stop();
  const firstLost = events.findIndex((e) => e.startsWith('lost'));
  assert.deepEqual(events.slice(0, firstLost), ['frame', 'frame']);
  assert.equal(events[firstLost], `lost: test camera: no frame for ${STALL_MS} ms`);
  assert.deepEqual(events.slice(firstLost + 1, firstLost + 3), ['restored', 'frame'], 'restored comes with the first frame after');
  assert.ok(spawns() >= 3);
});

test('a process that exits is reported with its exit status and last error line; it is restarted with backoff', async (t) => {
  const { r, events } = runner(fakeFfmpeg(1, 'exit'));
  t.after(() => r.stop());
  await r.start();
  await until(() => events.includes('restored'));
  await r.stop();
  assert.equal(events.find((e) => e.startsWith('lost')), 'lost: test camera: ffmpeg exited (code 3): camera unplugged');
});

test('stop() ends the process and nothing restarts it', async (t) => {
  const { r, events, spawns } = runner(fakeFfmpeg(1000, 'hang'));
  t.after(() => r.stop());
  await r.start();
  await until(() => events.length > 3);
  const pid = r.pid!;
  await r.stop();
  assert.equal(r.pid, undefined);
  assert.throws(() => process.kill(pid, 0), 'the process is gone');
  await new Promise((res) => setTimeout(res, 400));
  assert.equal(spawns(), 1);
  assert.ok(!events.some((e) => e.startsWith('lost')));
});

test('a missing program fails start() instead of retrying for ever', async () => {
  const r = new FfmpegRunner({ name: 'test camera', command: '/nonexistent/ffmpeg', args: () => [], output: 'jpeg', stallTimeoutMs: 100 });
  await assert.rejects(r.start(), /test camera: cannot run \/nonexistent\/ffmpeg/);
  assert.equal(r.running, false);
});
