import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';

test('the default config has the simulator source, 500 ms staleness and the example CAN files', () => {
  const c = loadConfig();
  assert.equal(c.signals.source, 'simulator');
  assert.equal(c.signals.staleAfterMs, 500);
  assert.equal(c.signals.drive, null);
  assert.equal(c.signals.can.dbc, 'examples/can/revcam.dbc');
  assert.equal(c.signals.can.map.length, 8);
});

test('a config file can pick the can source and a drive, merging over the defaults', () => {
  const c = loadConfig({ raw: { signals: { source: 'can', drive: 'park-left', can: { interface: 'can0', speed: 2 } } } });
  assert.equal(c.signals.source, 'can');
  assert.equal(c.signals.drive, 'park-left');
  assert.equal(c.signals.can.interface, 'can0');
  assert.equal(c.signals.can.log, 'examples/can/reverse-park.log', 'unnamed fields keep their defaults');
});

test('bad signals config fails with the field named', () => {
  const bad: [unknown, RegExp][] = [
    [{ source: 'lin' }, /\/signals\/source/],
    [{ drive: 'park-moon' }, /\/signals\/drive/],
    [{ staleAfterMs: 0 }, /\/signals\/staleAfterMs/],
    [{ can: { interface: 'can0; rm -rf /' } }, /\/signals\/can\/interface/],
    [{ can: { map: [{ signal: 'NoDot', path: 'Vehicle.Speed', scale: 1 }] } }, /\/signals\/can\/map\/0\/signal/],
    [{ can: { map: [{ signal: 'A.B', path: 'Vehicle.Speed', scale: 0 }] } }, /\/signals\/can\/map\/0\/scale/],
    [{ colour: 'red' }, /\/signals\/colour/],
  ];
  for (const [signals, pattern] of bad) {
    assert.throws(() => loadConfig({ raw: { signals } }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, pattern);
      return true;
    }, JSON.stringify(signals));
  }
});
