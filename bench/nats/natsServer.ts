/**
 * A real nats-server for the bench's NATS cases, on free loopback ports
 * (client and monitoring; Debian's 2.9 does not report a port chosen with
 * -p 0, so they are picked here), and its /varz counters for bytes on the bus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkipError } from '../results.js';
import { hasCommand } from '../tools.js';
import { freePort, sleep } from '../util.js';

export interface BenchNatsServer {
  url: string;
  monitorUrl: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface Varz {
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  connections: number;
  cpu: number;
  mem: number;
}

/**
 * `extra`: more of a config file (JetStream, leaf nodes), written beside
 * `extra.dir`; the client and monitoring ports are this function's.
 */
export async function startBenchNatsServer(extra?: { dir: string; name: string; conf: string }): Promise<BenchNatsServer> {
  if (!hasCommand('nats-server')) throw new SkipError('nats-server is not installed (apt-get install nats-server)');
  const port = await freePort();
  const monitor = await freePort();
  let args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)];
  if (extra) {
    const file = join(extra.dir, `${extra.name}.conf`);
    writeFileSync(file, `listen: "127.0.0.1:${port}"\nhttp: "127.0.0.1:${monitor}"\n${extra.conf}`);
    args = ['-c', file];
  }
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err = (err + t).slice(-4000)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const monitorUrl = `http://127.0.0.1:${monitor}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${err}`);
    try {
      if ((await fetch(`${monitorUrl}/varz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not come up in 10 s: ${err}`);
    }
    await sleep(100);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function varz(monitorUrl: string): Promise<Varz> {
  const res = await fetch(`${monitorUrl}/varz`);
  return (await res.json()) as Varz;
}

/** Messages and bytes through the server between two /varz readings, per second. */
export function busRates(a: Varz, b: Varz, seconds: number): { inMsgsPerS: number; outMsgsPerS: number; inMBPerS: number; outMBPerS: number } {
  const r = (x: number) => Math.round((x / seconds) * 100) / 100;
  return { inMsgsPerS: r(b.in_msgs - a.in_msgs), outMsgsPerS: r(b.out_msgs - a.out_msgs), inMBPerS: r((b.in_bytes - a.in_bytes) / 1e6), outMBPerS: r((b.out_bytes - a.out_bytes) / 1e6) };
}
