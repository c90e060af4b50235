import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SessionLog, type SessionStart } from '../../../src/audit/SessionLog.js';

const start = (id: string): SessionStart => ({ id, device: 'd', role: 'r', address: '127.0.0.1', vehicle: null, service: 's', instance: 's', camera: 'c', codec: 'jpeg', transport: 'ws', start: new Date().toISOString() });
const quiet = pino({ level: 'silent' });

test('the recent sessions are bounded: the oldest are dropped', () => {
  const log = new SessionLog(quiet, 8);
  for (let i = 0; i < 50; i++) {
    log.open(start(`v${i}`), () => ({ frames: i, bytes: i, dropped: 0 }));
    log.end(`v${i}`);
  }
  const { open, recent } = log.list();
  assert.equal(open.length, 0);
  assert.deepEqual(
    recent.map((r) => r.id),
    Array.from({ length: 8 }, (_, i) => `v${42 + i}`),
  );
});

test('a session ends once; a hint (service failed) wins over client closed, not over a known cause', () => {
  const log = new SessionLog(quiet, 8);
  log.open(start('a'), () => ({ frames: 1, bytes: 2, dropped: 3 }));
  log.open(start('b'), () => ({ frames: 0, bytes: 0, dropped: 0 }));
  log.hint(() => true, 'service failed');
  assert.equal(log.end('a')?.reason, 'service failed');
  assert.equal(log.end('a'), undefined, 'ended once');
  assert.equal(log.end('b', 'unresponsive')?.reason, 'unresponsive');
  assert.deepEqual(log.list().recent[0], { ...start('a'), start: log.list().recent[0]?.start, end: log.list().recent[0]?.end, frames: 1, bytes: 2, dropped: 3, reason: 'service failed' });
});
