/**
 * Power cut for real: a child process records and is SIGKILLed mid-clip;
 * opening the recorder on the folder finds the clip `recording`, marks it
 * `truncated`, cuts the mp4 to its last whole fragment, and ffprobe finds
 * nothing wrong and at most one group missing. The manifest on disk holds no
 * frame count or duration while recording: recovery reads them from the mp4,
 * and the signal timeline from the journal appended with each fragment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireCommand } from '../../helpers/requireCommand.js';
import { Recorder } from '../../../src/recorder/Recorder.js';
import { FRAME_US, GOP, T0_US } from './h264Fixture.js';
import { closed, decodeCount, Harness, probeErrors, tempDir } from './recorderHarness.js';

test('kill -9 mid-clip: recovery marks the clip truncated and the mp4 plays to its last complete fragment', { timeout: 60_000 }, async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireCommand(t, 'ffprobe')) return;
  const dir = tempDir();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./powerCutChild.js', import.meta.url)), '--record', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let killedAt = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /pushed (\d+)\n$/.exec(out);
      // Kill in the middle of a group, some groups into the clip.
      if (m && Number(m[1]) >= 200 && Number(m[1]) % GOP === 13 && !killedAt) {
        killedAt = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve());
  });
  const lastPushed = Math.max(...[...out.matchAll(/pushed (\d+)/g)].map((m) => Number(m[1])));
  const clipId = /clip (\S+)/.exec(out)![1]!;
  const before = JSON.parse(readFileSync(`${dir}/${clipId}.json`, 'utf8'));
  assert.equal(before.state, 'recording', 'the power cut left the clip open');
  assert.ok(existsSync(`${dir}/${clipId}.signals.jsonl`), 'the timeline journal is there');
  assert.ok(!existsSync(`${dir}/${clipId}.signals.json`), 'no sidecar before close');

  const rec = await Recorder.open({ dir, maxBytes: 1e9, minFreeBytes: 0, tickMs: 0 });
  const m = rec.get(clipId);
  assert.equal(m.state, 'truncated');
  assert.equal(m.endReason, 'power-cut');
  assert.equal(rec.stats.recovered, 1);
  const file = rec.mp4Path(clipId);
  assert.equal(probeErrors(file), '', 'ffprobe -v error prints nothing');
  const dec = decodeCount(file);
  assert.equal(dec.errors, '');
  const first = Math.round((m.startUs - T0_US) / FRAME_US); // the keyframe the clip starts at
  const pushed = lastPushed - first + 1;
  assert.equal(dec.frames, m.frames, 'the manifest counts what plays');
  assert.ok(dec.frames <= pushed && dec.frames >= pushed - GOP - 1, `played ${dec.frames} of ${pushed} pushed: more than one group lost`);
  assert.ok(Math.abs(m.durationMs - ((dec.frames - 1) * FRAME_US) / 1000) <= 1, `durationMs ${m.durationMs} for ${dec.frames} frames`);
  assert.ok(Math.abs(m.endUs - m.startUs - (dec.frames - 1) * FRAME_US) <= 1_000, 'endUs is the last frame that plays');
  assert.match(m.sha256 ?? '', /^[0-9a-f]{64}$/);
  // The timeline: built from the journal, 10 rows a second, reaching at least the last frame that plays.
  assert.ok(!existsSync(`${dir}/${clipId}.signals.jsonl`), 'the journal became the sidecar');
  const side = JSON.parse(readFileSync(`${dir}/${clipId}.signals.json`, 'utf8')) as { id: string; hz: number; rows: Array<{ tMs: number }> };
  assert.equal(side.id, clipId);
  assert.equal(side.hz, 10);
  const lastRowMs = side.rows.at(-1)!.tMs;
  assert.ok(lastRowMs >= m.durationMs - 100, `rows reach ${lastRowMs} ms, video ${m.durationMs} ms`);
  assert.ok(side.rows.length >= Math.floor(m.durationMs / 100), `${side.rows.length} rows for ${m.durationMs} ms`);
  await rec.close();
  // A second open finds nothing to recover.
  const again = await Recorder.open({ dir, maxBytes: 1e9, minFreeBytes: 0, tickMs: 0 });
  assert.equal(again.stats.recovered, 0);
  await again.close();
});

test('a torn last fragment is cut off: the mp4 ends at the last whole moof+mdat', { timeout: 60_000 }, async (t) => {
  if (!requireCommand(t, 'ffprobe')) return;
  const h = await Harness.open({ preSeconds: 1, postSeconds: 3 });
  h.pushTo(60);
  const { clipId } = h.rec.trigger({ kind: 'manual' });
  const done = closed(h.rec, clipId);
  h.pushTo(200);
  const full = await done;
  await h.rec.close();
  const file = h.rec.mp4Path(clipId);
  // Tear it: cut into the middle of the last fragment, and say the clip was still recording.
  truncateSync(file, statSync(file).size - 3000);
  writeFileSync(file.replace(/\.mp4$/, '.json'), JSON.stringify({ ...full, state: 'recording', sha256: undefined }));
  const rec = await Recorder.open({ dir: h.rec.dir, maxBytes: 1e9, minFreeBytes: 0, tickMs: 0 });
  const m = rec.get(clipId);
  assert.equal(m.state, 'truncated');
  assert.equal(m.fragments, full.fragments - 1);
  const lastGroup = ((full.frames - 1) % GOP) + 1; // the clip starts at a keyframe; groups are GOP frames
  assert.equal(m.frames, full.frames - lastGroup, 'exactly the torn group is lost');
  assert.ok(Math.abs(m.durationMs - ((m.frames - 1) * FRAME_US) / 1000) <= 1, `durationMs ${m.durationMs} for ${m.frames} frames (was ${full.durationMs})`);
  assert.equal(m.bytes, statSync(file).size);
  assert.equal(probeErrors(file), '');
  assert.deepEqual(decodeCount(file), { frames: m.frames, errors: '' });
  await rec.close();
});
