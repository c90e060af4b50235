import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReverseConfig, ServiceConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log/logger.js';
import type { ServiceManifest } from '../../../src/service/types.js';
import type { ServiceEndpoint } from '../../../src/host/ServiceEndpoint.js';
import { keepsStreamsOpen, runsWithoutViewers, standbyCodec, warmStandby } from '../../../src/host/StandbyPolicy.js';

const manifest = { name: 'reversing', version: '1.0.0', kind: 'reversing', cameras: ['rear', 'cabin'], codecs: ['jpeg', 'h264'], module: 'x.js' } as ServiceManifest;
const reverse: ReverseConfig = { service: 'reversing', camera: 'rear', codec: 'h264', holdMs: 0, exitSpeedKmh: 0 };

function fake(standby: ServiceConfig['standby'], start: () => Promise<void> = async () => {}) {
  return { id: 'reversing', manifest, config: { standby }, start } as unknown as ServiceEndpoint & { start(): Promise<void> };
}

test('cold runs on demand; warm and hot run without viewers; only hot keeps streams open', () => {
  assert.deepEqual((['cold', 'warm', 'hot'] as const).map(runsWithoutViewers), [false, true, true]);
  assert.deepEqual((['cold', 'warm', 'hot'] as const).map((s) => keepsStreamsOpen(fake(s))), [false, false, true]);
  assert.equal(keepsStreamsOpen(undefined), false, 'a stream whose endpoint is gone is not kept');
});

test('a hot camera captures in the codec reverse gear asks for, others in the manifest\'s first', () => {
  assert.equal(standbyCodec({ manifest }, 'rear', reverse), 'h264');
  assert.equal(standbyCodec({ manifest }, 'cabin', reverse), 'jpeg');
  assert.equal(standbyCodec({ manifest: { ...manifest, codecs: ['jpeg'] } }, 'rear', reverse), 'jpeg');
});

test('warming: cold is left alone, warm starts, hot starts and opens every camera; failures are logged, never thrown', async () => {
  const log = createLogger('silent');
  for (const standby of ['cold', 'warm', 'hot'] as const) {
    let started = 0;
    const opened: string[] = [];
    await warmStandby({
      instance: fake(standby, async () => void started++),
      cameras: () => ['rear', 'cabin'],
      reverse: () => reverse,
      openStream: async (camera, codec) => {
        opened.push(`${camera}/${codec}`);
        if (camera === 'rear') throw new Error('no camera');
      },
      log,
    });
    assert.equal(started, standby === 'cold' ? 0 : 1, standby);
    assert.deepEqual(opened, standby === 'hot' ? ['rear/h264', 'cabin/jpeg'] : [], standby);
  }
  const opened: string[] = [];
  await warmStandby({ instance: fake('hot', () => Promise.reject(new Error('boom'))), cameras: () => ['rear'], reverse: () => reverse, openStream: async (c) => void opened.push(c), log });
  assert.deepEqual(opened, [], 'a service that cannot start opens nothing');
});
