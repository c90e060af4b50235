import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROLES } from '../../../src/config/defaults.js';
import { DeviceAuth, type Device } from '../../../src/device/DeviceAuth.js';
import { isParked, policyProblem } from '../../../src/device/policy.js';
import { PolicyWatch } from '../../../src/device/policyWatch.js';
import type { RevcamError } from '../../../src/errors/RevcamError.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import type { Subscription, ViewerInfo } from '../../../src/stream/StreamHub.js';
import { SELECTED_GEAR, VSS, type SignalValue } from '../../../src/wire/signals.js';

const lookup = (values: Record<string, SignalValue>) => (path: string) => values[path];

test('parked: SelectedGear P wins; without it, neutral and standing still; anything missing is not parked', () => {
  assert.equal(isParked(lookup({ [VSS.selectedGear]: SELECTED_GEAR.park })), true);
  assert.equal(isParked(lookup({ [VSS.selectedGear]: SELECTED_GEAR.park, [VSS.gear]: 0, [VSS.speed]: 3 })), true, 'the selector decides when known');
  assert.equal(isParked(lookup({ [VSS.selectedGear]: 0, [VSS.gear]: 0, [VSS.speed]: 0 })), false, 'N is not P when the selector says so');
  assert.equal(isParked(lookup({ [VSS.selectedGear]: -1 })), false);
  assert.equal(isParked(lookup({ [VSS.gear]: 0, [VSS.speed]: 0 })), true, 'no selector: neutral and still');
  assert.equal(isParked(lookup({ [VSS.gear]: 0, [VSS.speed]: 0.5 })), false);
  assert.equal(isParked(lookup({ [VSS.gear]: 0 })), false, 'speed unknown');
  assert.equal(isParked(lookup({})), false);
});

test('policyProblem names every condition that does not hold; null and empty policies always hold', () => {
  assert.equal(policyProblem(null, lookup({})), undefined);
  assert.equal(policyProblem({ parked: false, consent: false }, lookup({})), undefined);
  assert.match(policyProblem({ parked: true, consent: true }, lookup({})) ?? '', /parked.*and.*consents/);
  assert.equal(policyProblem({ parked: true, consent: true }, lookup({ [VSS.selectedGear]: SELECTED_GEAR.park, [VSS.remoteViewConsent]: 1 })), undefined);
  assert.match(policyProblem({ parked: false, consent: true }, lookup({ [VSS.remoteViewConsent]: 0 })) ?? '', /consents/);
});

/** A holder of viewers like the StreamHub: records who was ended and why. */
function fakeHolder(viewers: ViewerInfo[]) {
  const ended: { viewer: ViewerInfo; reason: RevcamError }[] = [];
  return {
    ended,
    endViewers(reasonFor: (v: ViewerInfo) => RevcamError | undefined) {
      let n = 0;
      for (const viewer of viewers) {
        if (ended.some((e) => e.viewer === viewer)) continue;
        const reason = reasonFor(viewer);
        if (reason) {
          ended.push({ viewer, reason });
          n++;
        }
      }
      return n;
    },
  };
}

const device = (role: string): Device => ({ id: `${role}-1`, role, anonymous: false });

test('a signal change that breaks a role policy ends that role\'s viewers only, with FORBIDDEN', () => {
  const bus = new SignalBus({ staleAfterMs: 500 });
  bus.set([{ path: VSS.selectedGear, value: SELECTED_GEAR.park }, { path: VSS.remoteViewConsent, value: 1 }]);
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles: DEFAULT_ROLES }, { signals: () => (p) => bus.fresh(p)?.value });
  const phone = { transport: 'ws', device: device('phone') };
  const hu = { transport: 'ws', device: device('head-unit') };
  const holder = fakeHolder([phone, hu]);
  const watch = new PolicyWatch({ auth, signals: bus, holders: [holder], log: { info: () => {} } as never });
  bus.set([{ path: VSS.steeringWheelAngle, value: 10 }]);
  assert.equal(holder.ended.length, 0, 'unrelated signals and a holding policy end nothing');
  bus.set([{ path: VSS.selectedGear, value: -1 }]);
  assert.deepEqual(holder.ended.map((e) => e.viewer), [phone]);
  assert.equal(holder.ended[0]!.reason.code, 'FORBIDDEN');
  assert.match(holder.ended[0]!.reason.message, /"phone".*parked.*stream ended/);
  watch.close();
});

test('a viewer added just after the policy stopped holding is ended once its transport listens', async () => {
  const values: Record<string, SignalValue> = { [VSS.selectedGear]: -1, [VSS.remoteViewConsent]: 1 };
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles: DEFAULT_ROLES }, { signals: () => lookup(values) });
  const phone = { transport: 'mjpeg', device: device('phone') };
  const holder = fakeHolder([phone]);
  const watch = new PolicyWatch({ auth, signals: new SignalBus({ staleAfterMs: 500 }), holders: [holder], log: { info: () => {} } as never });
  watch.viewerAdded({ viewer: phone, consumer: { closed: false } } as unknown as Subscription);
  assert.equal(holder.ended.length, 0, 'not synchronously: the transport has not attached its listeners yet');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(holder.ended.map((e) => e.viewer), [phone]);
  watch.close();
});

test('each viewer is judged on the signals of the vehicle it streams: veh-b driving ends veh-b\'s phone viewers only', () => {
  const buses = { 'veh-a': new SignalBus({ staleAfterMs: 500 }), 'veh-b': new SignalBus({ staleAfterMs: 500 }) };
  for (const bus of Object.values(buses)) bus.set([{ path: VSS.selectedGear, value: SELECTED_GEAR.park }, { path: VSS.remoteViewConsent, value: 1 }]);
  const own = new SignalBus({ staleAfterMs: 500 }); // the gateway's own: empty (it simulates no vehicle)
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles: DEFAULT_ROLES }, {
    signals: (vehicle) => {
      const bus = vehicle === undefined ? own : buses[vehicle as keyof typeof buses];
      return (p) => bus?.fresh(p)?.value;
    },
  });
  const onA = { transport: 'ws', device: device('phone'), vehicle: 'veh-a' };
  const onB = { transport: 'ws', device: device('phone'), vehicle: 'veh-b' };
  const holder = fakeHolder([onA, onB]);
  const watch = new PolicyWatch({ auth, signals: own, holders: [holder], log: { info: () => {} } as never, sweepEveryMs: 0 });
  const unwatchA = watch.watch(buses['veh-a']);
  watch.watch(buses['veh-b']);
  assert.equal(auth.streamPolicyProblem('phone', 'veh-a'), undefined, 'veh-a is parked with consent');
  assert.match(auth.streamPolicyProblem('phone') ?? '', /parked/, "the gateway's own (empty) signals never hold");
  assert.match(auth.streamPolicyProblem('phone', 'veh-z') ?? '', /parked.*"veh-z"/, 'a vehicle whose signals are unknown fails closed');
  buses['veh-b'].set([{ path: VSS.selectedGear, value: 4 }]);
  assert.deepEqual(holder.ended.map((e) => e.viewer), [onB], "veh-b in D ends veh-b's viewer, not veh-a's");
  assert.match(holder.ended[0]!.reason.message, /"veh-b"/);
  unwatchA();
  buses['veh-a'].set([{ path: VSS.selectedGear, value: 4 }]);
  assert.equal(holder.ended.length, 1, 'an unwatched bus triggers no sweep');
  assert.equal(watch.sweep(), 1, 'but a sweep reads it');
  watch.close();
});

test("a vehicle's stale signals fail closed: the periodic sweep ends its policy viewers", () => {
  let now = 1_000_000;
  const bus = new SignalBus({ staleAfterMs: 500, clock: () => now });
  bus.set([{ path: VSS.selectedGear, value: SELECTED_GEAR.park }, { path: VSS.remoteViewConsent, value: 1 }]);
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles: DEFAULT_ROLES }, { signals: () => (p) => bus.fresh(p)?.value });
  const phone = { transport: 'ws', device: device('phone') };
  const holder = fakeHolder([phone]);
  const watch = new PolicyWatch({ auth, signals: bus, holders: [holder], log: { info: () => {} } as never, sweepEveryMs: 0 });
  assert.equal(watch.sweep(), 0, 'fresh: holds');
  now += 501;
  assert.equal(watch.sweep(), 1, 'the same values, too old: ends');
  watch.close();
});
