/**
 * Child process for the power-cut test (helper, not a test: it does nothing
 * unless started with --record). It records a generated stream into the
 * folder given, triggers a clip and keeps pushing frames at 5 ms each,
 * printing "clip <id>" and then every pushed clip frame's number to stdout
 * synchronously, so the parent knows exactly what was pushed when it SIGKILLs.
 */
import { writeSync } from 'node:fs';
import { Recorder } from '../../../src/recorder/Recorder.js';
import { accessUnits, captureUsOf, wireFrame } from './h264Fixture.js';

const at = process.argv.indexOf('--record');
if (at >= 0) {
  const dir = process.argv[at + 1]!;
  const aus = accessUnits(10);
  let now = captureUsOf(0);
  const rec = await Recorder.open({ dir, preSeconds: 1, postSeconds: 60, maxSeconds: 120, maxBytes: 1e9, minFreeBytes: 0, tickMs: 0, clock: () => now });
  let i = 0;
  for (; i <= 45; i++) rec.pushFrame(wireFrame(aus, i));
  now = captureUsOf(45);
  const { clipId } = rec.trigger({ kind: 'manual' });
  writeSync(1, `clip ${clipId}\n`);
  for (;;) {
    now = captureUsOf(i);
    rec.pushFrame(wireFrame(aus, i));
    writeSync(1, `pushed ${i}\n`);
    i++;
    await new Promise((r) => setTimeout(r, 5));
  }
}
