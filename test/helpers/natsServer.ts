/**
 * A real nats-server for tests, on free loopback ports (client and
 * monitoring), and revcam commands (`host`, `gateway`) as child processes.
 * Debian's nats-server 2.9 does not report a port chosen with -p 0, so the
 * ports are picked here and passed in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireCommand } from './requireCommand.js';
import { spawnUntilReady } from './cliServer.js';

export interface NatsServer {
  url: string;
  /** http://127.0.0.1:<monitoring port>, for /connz and /varz. */
  monitorUrl: string;
  /** The client and monitoring ports (a restarted server reuses them). */
  port: number;
  monitorPort: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Ports handed to servers started later are taken below Linux's ephemeral
 * range (32768-60999): a port the kernel chose for us there can be given,
 * a moment later, to an outgoing connection (a cluster node's route to
 * another), and the node that was to listen on it fails with "address
 * already in use" (seen in CI runs of the three-node cluster).
 */
const PICK_FROM = 20_000;
const PICK_TO = 32_000;

/** A loopback port free right now, outside the ephemeral range (tried by binding it, released at once). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${PICK_FROM}-${PICK_TO} after 50 tries`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** Skips loudly (fails under CI=true) without nats-server. */
export function requireNatsServer(t: TestContext): boolean {
  return requireCommand(t, 'nats-server');
}

/** A nats-server on free ports, or on the given ones (a server restarted where the last one listened). */
export async function startNatsServer(extraArgs: string[] = [], ports: { port?: number; monitorPort?: number } = {}): Promise<NatsServer> {
  const port = ports.port ?? (await freePort());
  const monitor = ports.monitorPort ?? (await freePort());
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const monitorUrl = `http://127.0.0.1:${monitor}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${monitorUrl}/varz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not come up in 10 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl,
    port,
    monitorPort: monitor,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A copy of a sample nats-server config (examples/nats/*.conf) in a temp
 * directory with its ports replaced (`{4222: 41873}`): the test runs the file
 * as shipped, on free ports. Every port to replace must occur in the file.
 */
export function natsConfigWithPorts(file: string, ports: Record<number, number>): string {
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of Object.entries(ports)) {
    const re = new RegExp(`\\b${from}\\b`, 'g');
    if (!re.test(text)) throw new Error(`${file} has no port ${from} to replace`);
    text = text.replace(re, String(to));
  }
  const out = join(mkdtempSync(join(tmpdir(), 'revcam-natsconf-')), basename(file));
  writeFileSync(out, text);
  return out;
}

export interface RevcamProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
  /** The display URL, for commands that serve HTTP. */
  url?: string;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `node dist/bundle/revcam.js <args>` and waits until its output matches `ready`. */
export async function startRevcamCommand(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<RevcamProcess> {
  const p = await spawnUntilReady('dist/bundle/revcam.js', args, ready, { REVCAM_LOG_LEVEL: 'warn', ...env });
  return {
    child: p.child,
    output: p.output,
    exited: p.exited,
    ...(p.url !== '' && { url: p.url }),
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
      return p.exited;
    },
  };
}

/** `revcam host --nats <url> --vehicle <vehicle>`, ready once it announced its services. */
export function startHost(natsUrl: string, vehicle: string, extra: string[] = []): Promise<RevcamProcess> {
  return startRevcamCommand(['host', '--nats', natsUrl, '--vehicle', vehicle, ...extra], /revcam: host \S+ announced/);
}

/** `revcam gateway --nats <url> --port 0`, ready once it prints its display URL. */
export function startGateway(natsUrl: string, extra: string[] = []): Promise<RevcamProcess> {
  return startRevcamCommand(['gateway', '--nats', natsUrl, '--port', '0', ...extra], /display at (http:\/\/[^\s/]+)\//);
}

/** One client connection as nats-server's /connz reports it (the fields tests use). */
export interface ConnzEntry {
  cid: number;
  name?: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  /** With `?subs=1`. */
  subscriptions_list?: string[];
  /** With `?auth=1`: the user a connection authenticated as. */
  authorized_user?: string;
}

/** The monitoring endpoint's view of client connections; `query` e.g. `subs=1&auth=1`. */
export async function connz(monitorUrl: string, query = ''): Promise<ConnzEntry[]> {
  const res = await fetch(`${monitorUrl}/connz${query ? `?${query}` : ''}`);
  const body = (await res.json()) as { connections?: ConnzEntry[] };
  return body.connections ?? [];
}
