/** Which viewers a live reload ends (src/app/reload/viewerReasons.ts), judged with a real DeviceAuth holding the new config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reloadedViewerReason } from '../../../src/app/reload/viewerReasons.js';
import { deepMerge, loadConfig } from '../../../src/config/loadConfig.js';
import { DeviceAuth, type Device } from '../../../src/device/DeviceAuth.js';
import { SYSTEM_DEVICE } from '../../../src/stream/StreamHub.js';

const tok = (id: string) => `token-of-${id}-0123456789`;
const auth = (over: Record<string, unknown>) => loadConfig({ raw: deepMerge({ auth: { devices: ['hu', 'cl', 'ph'].map((id, i) => ({ id, role: ['head-unit', 'cluster', 'probe'][i], token: tok(id) })) } }, over) }).auth;
const device = (id: string, role: string): Device => ({ id, role, anonymous: false });
const rear = { service: 'reversing', camera: 'rear' };

function judge(after: ReturnType<typeof auth>) {
  const before = auth({});
  return reloadedViewerReason(before, after, new DeviceAuth(after));
}

test('an unchanged device keeps streaming; so does the platform\'s own viewer', () => {
  const reason = judge(auth({}));
  assert.equal(reason({ transport: 'ws', device: device('hu', 'head-unit') }, rear), undefined);
  assert.equal(reason({ transport: 'overlay-burner', device: SYSTEM_DEVICE }, rear), undefined);
});

test('a removed device or a replaced token: UNAUTHORIZED', () => {
  const reason = judge(auth({ auth: { devices: [{ id: 'cl', role: 'cluster', token: `${tok('cl')}-new` }, { id: 'ph', role: 'probe', token: tok('ph') }] } }));
  assert.equal(reason({ transport: 'ws', device: device('hu', 'head-unit') }, rear)?.code, 'UNAUTHORIZED');
  assert.equal(reason({ transport: 'ws', device: device('cl', 'cluster') }, rear)?.code, 'UNAUTHORIZED');
  assert.equal(reason({ transport: 'ws', device: device('ph', 'probe') }, rear), undefined);
});

test('another role, or a role that no longer allows the stream: FORBIDDEN; the loopback demo switched off: UNAUTHORIZED', () => {
  const reason = judge(
    auth({
      auth: {
        anonymousLoopback: false,
        devices: [{ id: 'hu', role: 'cluster', token: tok('hu') }, { id: 'cl', role: 'cluster', token: tok('cl') }, { id: 'ph', role: 'probe', token: tok('ph') }],
        roles: { cluster: { stream: { cameras: ['left'] } } },
      },
    }),
  );
  assert.equal(reason({ transport: 'ws', device: device('hu', 'head-unit') }, rear)?.code, 'FORBIDDEN');
  assert.equal(reason({ transport: 'ws', device: device('cl', 'cluster') }, rear)?.code, 'FORBIDDEN');
  assert.equal(reason({ transport: 'ws', device: device('cl', 'cluster') }, { service: 'reversing', camera: 'left' }), undefined);
  assert.equal(reason({ transport: 'ws', device: { id: 'local', role: 'local', anonymous: true } }, rear)?.code, 'UNAUTHORIZED');
});
