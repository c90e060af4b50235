import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CandumpParseError, formatCandumpLine, parseCandumpLine } from '../../../src/signals/can/candump.js';

test('a classic standard frame: timestamp, interface, id and data bytes', () => {
  assert.deepEqual(parseCandumpLine('(1700000000.123456) vcan0 1F5#FF7E'), {
    timestampS: 1700000000.123456,
    iface: 'vcan0',
    id: 0x1f5,
    extended: false,
    data: [0xff, 0x7e],
    rtr: false,
    fd: false,
    error: false,
  });
});

test('extended ids, empty data, dotted data, remote frames and the -x direction flag', () => {
  const ext = parseCandumpLine('(1.000000) can1 18DAF110#0210');
  assert.equal(ext?.id, 0x18daf110);
  assert.equal(ext?.extended, true);
  assert.deepEqual(parseCandumpLine('(1.000000) can0 123#')?.data, []);
  assert.deepEqual(parseCandumpLine('(1.000000) can0 123#01.02.03')?.data, [1, 2, 3]);
  const rtr = parseCandumpLine('(1.000000) can0 123#R');
  assert.equal(rtr?.rtr, true);
  assert.deepEqual(rtr?.data, []);
  assert.equal(parseCandumpLine('(1.000000) can0 123#R4')?.rtr, true);
  assert.deepEqual(parseCandumpLine('(1.5) can0 0C5#2EFB T')?.data, [0x2e, 0xfb]);
});

test('CAN FD frames and error frames are recognised as such', () => {
  const fd = parseCandumpLine('(1.000000) can0 123##1' + '11'.repeat(12));
  assert.equal(fd?.fd, true);
  assert.equal(fd?.data.length, 12);
  const err = parseCandumpLine('(1.000000) can0 20000004#0004000000000000');
  assert.equal(err?.error, true);
  assert.equal(err?.extended, false);
  assert.equal(err?.id, 4);
});

test('blank and comment lines are skipped (null)', () => {
  assert.equal(parseCandumpLine(''), null);
  assert.equal(parseCandumpLine('   '), null);
  assert.equal(parseCandumpLine('# recorded on the test rig'), null);
});

test('malformed lines throw CandumpParseError', () => {
  for (const line of [
    'vcan0 123#00', // no timestamp
    '(1.0) vcan0 123 00', // cansend syntax without '#'
    '(1.0) vcan0 12#00', // 2-digit id
    '(1.0) vcan0 800#00', // standard id above 0x7FF
    '(1.0) vcan0 123#0', // odd number of hex digits
    '(1.0) vcan0 123#GG',
    '(1.0) vcan0 123#000102030405060708', // 9 bytes in a classic frame
    '(1.0) vcan0 123##', // FD without flags
    '  0C5   [2]  2E FB', // plain candump output, not -L
  ]) {
    assert.throws(() => parseCandumpLine(line), CandumpParseError, line);
  }
});

test('formatCandumpLine writes what parseCandumpLine reads', () => {
  const frame = { timestampS: 1700000001.05, iface: 'vcan0', id: 0xc5, extended: false, data: [0x2e, 0xfb] };
  const line = formatCandumpLine(frame);
  assert.equal(line, '(1700000001.050000) vcan0 0C5#2EFB');
  const back = parseCandumpLine(line);
  assert.equal(back?.id, frame.id);
  assert.deepEqual(back?.data, frame.data);
  assert.equal(formatCandumpLine({ ...frame, id: 0x18daf110, extended: true }).split(' ')[2], '18DAF110#2EFB');
});
