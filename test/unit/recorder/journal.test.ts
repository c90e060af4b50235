/**
 * The timeline journal of a clip being recorded (src/recorder/SignalJournal.ts):
 * what a power cut leaves is read back up to the last whole line; a torn or
 * foreign file is no timeline, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignalJournal } from '../../../src/recorder/SignalJournal.js';
import { tempDir } from './recorderHarness.js';

const HEADER = { version: 1 as const, id: '20261207T064500Z-rear-0a1b', hz: 10, startUs: 1, geometry: null };

test('rows appended in batches read back in order; a line the cut tore ends the timeline there', async () => {
  const file = path.join(tempDir(), 'clip.signals.jsonl');
  const j = await SignalJournal.create(file, HEADER);
  await j.append([{ tMs: 0 }, { tMs: 100 }]);
  await j.append([]);
  await j.append([{ tMs: 200 }]);
  await j.close();
  appendFileSync(file, '{"tMs": 3'); // the power cut, mid-line
  const read = await SignalJournal.read(file);
  assert.deepEqual(read?.header, HEADER);
  assert.deepEqual(read?.rows, [{ tMs: 0 }, { tMs: 100 }, { tMs: 200 }]);
});

test('never over an existing file; a missing file, a foreign header or garbage is no timeline', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'clip.signals.jsonl');
  await (await SignalJournal.create(file, HEADER)).close();
  await assert.rejects(SignalJournal.create(file, HEADER), /EEXIST/);
  assert.equal(await SignalJournal.read(path.join(dir, 'none.jsonl')), undefined);
  writeFileSync(file, '{"version":2,"id":"x"}\n{"tMs":0}\n');
  assert.equal(await SignalJournal.read(file), undefined);
  writeFileSync(file, '\u0000\u0001garbage');
  assert.equal(await SignalJournal.read(file), undefined);
  writeFileSync(file, 'null\n');
  assert.equal(await SignalJournal.read(file), undefined);
});
