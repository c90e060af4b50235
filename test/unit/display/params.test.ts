/** The display's URL parameters: ?vehicle= names the vehicle for the stream and for /api/signals alike. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readParams } from '../../../src/display/params.js';

test('?vehicle= goes into the stream request and the /api/signals query', () => {
  const p = readParams('?vehicle=veh-a&hud=1');
  assert.equal(p.request.vehicle, 'veh-a');
  assert.equal(p.signalsQuery, '?vehicle=veh-a');
});

test('without ?vehicle= the signals are the server\'s own, as before', () => {
  const p = readParams('?hud=1');
  assert.equal(p.request.vehicle, undefined);
  assert.equal(p.signalsQuery, '');
  assert.equal(readParams('?vehicle=').signalsQuery, '');
});

test('the vehicle is encoded, never pasted into the query as it is', () => {
  assert.equal(readParams('?vehicle=a%26token%3Dx').signalsQuery, '?vehicle=a%26token%3Dx');
});

test('no camera parameter: rear large, the door-mirror cameras as tiles, a default list', () => {
  const p = readParams('');
  assert.deepEqual([p.request.camera, p.cameras, p.layout, p.camerasDefaulted], ['rear', ['rear', 'left', 'right'], 'tiles', true]);
});

test('?cameras= and ?layout= are the device\'s choice; ?camera= picks the large one among them', () => {
  const p = readParams('?cameras=rear,left,left,Bad!,trailer&camera=trailer&layout=pip');
  assert.deepEqual([p.request.camera, p.cameras, p.layout, p.camerasDefaulted], ['trailer', ['rear', 'left', 'trailer'], 'pip', false]);
  // The large camera must be on the list: else the first is.
  assert.equal(readParams('?cameras=left,right&camera=rear').request.camera, 'left');
  assert.equal(readParams('?cameras=rear,left&layout=nonsense').layout, 'tiles');
});

test('?camera=, ?service= or ?calibrate=1 alone: that one camera, as before', () => {
  for (const q of ['?camera=cabin&service=cabin-view', '?service=reversing', '?calibrate=1']) {
    const p = readParams(q);
    assert.deepEqual([p.cameras.length, p.layout, p.camerasDefaulted], [1, 'single', false], q);
  }
  assert.equal(readParams('?layout=single').cameras.length, 3);
});
