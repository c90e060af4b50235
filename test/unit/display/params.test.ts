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
