import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, FAILURE_THRESHOLD, waitingState } from '../../../src/host/restartBackoff.js';
import { ServiceInstance } from '../../../src/host/ServiceInstance.js';

test('the delay doubles per consecutive failure from initialDelayMs and is capped at maxDelayMs (docs/architecture.md)', () => {
  const restart = { initialDelayMs: 100, maxDelayMs: 5000 };
  const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(restart, n));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.equal(backoffDelay(restart, 0), 100);
  assert.equal(ServiceInstance.backoffDelay(restart, 3), 400, 'still reachable where tests and docs name it');
});

test('from the FAILURE_THRESHOLD-th consecutive failure the instance waits as `failed`', () => {
  assert.equal(FAILURE_THRESHOLD, 5);
  assert.equal(waitingState(FAILURE_THRESHOLD - 1), 'backoff');
  assert.equal(waitingState(FAILURE_THRESHOLD), 'failed');
  assert.equal(waitingState(FAILURE_THRESHOLD + 3), 'failed');
});
