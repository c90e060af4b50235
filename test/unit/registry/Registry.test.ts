import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type InstanceDescriptor } from '../../../src/registry/Registry.js';
import { RevcamError } from '../../../src/errors/RevcamError.js';

function instance(over: Partial<InstanceDescriptor> & { id: string }, health: ReturnType<InstanceDescriptor['health']> = 'running', viewers = 0): InstanceDescriptor {
  return {
    name: 'reversing',
    version: '1.0.0',
    kind: 'reversing',
    cameras: ['rear'],
    codecs: ['jpeg'],
    cameraInfo: { rear: { width: 1280, fps: 30 } },
    location: 'local',
    health: () => health,
    viewers: () => viewers,
    ...over,
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RevcamError, 'errors are RevcamError');
    return err.code;
  }
  return undefined;
}

const req = { service: 'reversing', camera: 'rear', codec: 'jpeg' as const };

test('an exact service, camera and codec match returns the instance', () => {
  const r = new Registry();
  r.register(instance({ id: 'a' }));
  r.register(instance({ id: 'cab', name: 'cabin-view', cameras: ['cabin'] }));
  assert.equal(r.match(req).id, 'a');
  assert.equal(r.match({ ...req, service: 'cabin-view', camera: 'cabin' }).id, 'cab');
});

test('every way a request can miss has its own error code', () => {
  const r = new Registry();
  r.register(instance({ id: 'a' }));
  r.register(instance({ id: 'dead', name: 'broken' }, 'failed'));
  assert.equal(codeOf(() => r.match({ ...req, service: 'nope' })), 'SERVICE_NOT_FOUND');
  assert.equal(codeOf(() => r.match({ ...req, camera: 'front' })), 'CAMERA_NOT_AVAILABLE');
  assert.equal(codeOf(() => r.match({ ...req, codec: 'h264' })), 'CODEC_UNSUPPORTED');
  assert.equal(codeOf(() => r.match({ ...req, service: 'broken' })), 'SERVICE_FAILED');
});

test('the error names what was asked and what exists', () => {
  const r = new Registry();
  r.register(instance({ id: 'a' }));
  assert.throws(() => r.match({ ...req, camera: 'front' }), /no camera "front".*rear/);
});

test('a running instance is preferred to a stopped one, then the least loaded, then the newest', () => {
  const r = new Registry();
  r.register(instance({ id: 'stopped' }, 'stopped', 0));
  r.register(instance({ id: 'busy' }, 'running', 5));
  r.register(instance({ id: 'idle' }, 'running', 1));
  assert.equal(r.match(req).id, 'idle');
  r.register(instance({ id: 'idle-new', version: '1.2.0' }, 'running', 1));
  assert.equal(r.match(req).id, 'idle-new');
});

test('a failed instance is skipped when a healthy one exists; one in backoff is still matched', () => {
  const r = new Registry();
  r.register(instance({ id: 'failed' }, 'failed'));
  r.register(instance({ id: 'coming-back' }, 'backoff'));
  assert.equal(r.match(req).id, 'coming-back');
});

test('maxWidth and maxFps prefer an instance within the limits', () => {
  const r = new Registry();
  r.register(instance({ id: 'hd', cameraInfo: { rear: { width: 1280, fps: 30 } } }));
  r.register(instance({ id: 'sd', cameraInfo: { rear: { width: 640, fps: 30 } } }, 'running', 3));
  assert.equal(r.match({ ...req, maxWidth: 800 }).id, 'sd');
  assert.equal(r.match(req).id, 'hd');
});
