import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitViewer, type ViewerSlot } from '../../../src/limits/viewerLimits.js';
import { ConnectionsPerAddress } from '../../../src/limits/connectionsPerAddress.js';

const limits = { maxViewers: 3, maxViewersPerDevice: 2, maxViewersPerStream: 2 };
const slot = (deviceId: string, priority: number, stream = 's1', extra: Partial<ViewerSlot> = {}): ViewerSlot => ({
  deviceId,
  anonymous: false,
  exempt: false,
  priority,
  stream,
  sheddable: true,
  ...extra,
});

test('admits under every limit', () => {
  assert.deepEqual(admitViewer(limits, [slot('a', 10)], slot('b', 10)), { admit: true });
});

test('refuses a stream that has its viewers, whatever the priority', () => {
  const r = admitViewer(limits, [slot('a', 10), slot('b', 10)], slot('c', 100));
  assert.equal(r.admit, false);
  assert.match(!r.admit ? r.reason : '', /maxViewersPerStream/);
});

test('refuses a device that has its viewers; the anonymous loopback device is not limited per device', () => {
  const current = [slot('a', 10, 's1'), slot('a', 10, 's2')];
  const r = admitViewer(limits, current, slot('a', 10, 's3'));
  assert.equal(r.admit, false);
  assert.match(!r.admit ? r.reason : '', /maxViewersPerDevice/);
  const locals = [slot('local', 100, 's1', { anonymous: true }), slot('local', 100, 's2', { anonymous: true })];
  assert.deepEqual(admitViewer(limits, locals, slot('local', 100, 's3', { anonymous: true })), { admit: true });
});

test('at the total, a higher priority sheds the lowest-priority viewer (the newest of those)', () => {
  const low1 = slot('a', 10, 's1');
  const low2 = slot('b', 10, 's2');
  const mid = slot('c', 50, 's3');
  const r = admitViewer(limits, [low1, mid, low2], slot('d', 100, 's4'));
  assert.equal(r.admit, true);
  assert.equal(r.admit && r.shed, low2);
});

test('at the total, an equal or lower priority is refused', () => {
  const current = [slot('a', 10, 's1'), slot('b', 50, 's2'), slot('c', 50, 's3')];
  const r = admitViewer(limits, current, slot('d', 10, 's4'));
  assert.equal(r.admit, false);
  assert.match(!r.admit ? r.reason : '', /maxViewers\b/);
});

test('a viewer still being admitted is not shed', () => {
  const current = [slot('a', 10, 's1', { sheddable: false }), slot('b', 50, 's2'), slot('c', 50, 's3')];
  const r = admitViewer(limits, current, slot('d', 100, 's4'));
  assert.equal(r.admit && r.shed?.deviceId, 'c', 'the lowest sheddable one, the newest of those');
});

test('the platform itself (overlay burner) is never counted, limited or shed', () => {
  const burner = slot('system', 0, 's1', { exempt: true });
  assert.deepEqual(admitViewer(limits, [slot('a', 10, 's1'), slot('b', 10, 's1'), slot('c', 10, 's2')], burner), { admit: true });
  const r = admitViewer(limits, [burner, slot('a', 10, 's1'), slot('b', 10, 's2')], slot('c', 100, 's3'));
  assert.deepEqual(r, { admit: true }, 'the burner does not count towards the total');
  const full = [burner, slot('a', 10, 's1'), slot('b', 10, 's2'), slot('c', 10, 's3')];
  const shed = admitViewer(limits, full, slot('d', 100, 's4'));
  assert.notEqual(shed.admit && shed.shed, burner);
});

test('connections per address: over the limit is refused until one closes; other addresses unaffected', () => {
  const c = new ConnectionsPerAddress(2);
  assert.equal(c.open('10.0.0.1'), true);
  assert.equal(c.open('10.0.0.1'), true);
  assert.equal(c.open('10.0.0.1'), false);
  assert.equal(c.open('10.0.0.2'), true);
  c.close('10.0.0.1');
  c.close('10.0.0.1');
  assert.equal(c.count('10.0.0.1'), 1);
  assert.equal(c.open('10.0.0.1'), true);
  c.close('10.0.0.1');
  c.close('10.0.0.1');
  assert.equal(c.count('10.0.0.1'), 0);
});
