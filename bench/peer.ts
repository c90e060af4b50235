/**
 * The peer: node-media-server 4.x in a process of its own, configured as its
 * README documents for plain RTMP in / HTTP-FLV out (no auth, no recording,
 * no web admin), bound to loopback on the ports the bench gives it. Its GOP
 * cache is always on in 4.x (there is no setting for it), so a late viewer
 * gets the cached GOP first: that is measured, not configured away.
 *
 * Run as a child of the bench: IPC {op:'start', rtmpPort, httpPort, dataDir} → {}.
 */
import { createRequire } from 'node:module';
import { connect } from 'node:net';

export type PeerCommand = { op: 'start'; rtmpPort: number; httpPort: number; dataDir: string };

const require = createRequire(import.meta.url);

function waitPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} not listening after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

async function start(cmd: PeerCommand): Promise<{ version: string }> {
  const NodeMediaServer = require('node-media-server') as new (config: unknown, configPath?: string) => { run(): Promise<void> };
  const version = (require('node-media-server/package.json') as { version: string }).version;
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    rtmp: { port: cmd.rtmpPort },
    http: { port: cmd.httpPort },
    webadmin: { enable: false },
    record: { auto: false, path: cmd.dataDir },
    store: { path: cmd.dataDir },
    auth: { play: false, publish: false, secret: '' },
    notify: { url: '' },
  });
  await nms.run();
  await waitPort(cmd.rtmpPort, 10_000);
  await waitPort(cmd.httpPort, 10_000);
  return { version };
}

process.on('message', (msg: { id: number; cmd: PeerCommand }) => {
  start(msg.cmd).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
