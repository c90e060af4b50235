/**
 * A real revcam server in its own process, started the way a user starts it
 * (`revcam serve --config FILE --port 0`), so the bench meters its CPU and
 * memory from outside and viewers never share its event loop.
 */
import { rssBytes } from './proc.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CodecName } from '../src/wire/frame.js';
import { ROOT } from './child.js';

export interface RevcamServerOptions {
  /** The reversing service's standby level: hot = capturing from boot, warm = process up, cold = nothing running. */
  standby: 'hot' | 'warm' | 'cold';
  codec: CodecName;
  /** A cold service stops this long after its last viewer leaves. */
  idleStopMs?: number;
  /** Extra camera fields for the rear camera (e.g. a source for H.264). */
  camera?: Record<string, unknown>;
  /** Directory for --cpu-prof output; no profiling when absent. */
  cpuProfDir?: string;
  /** Anything else to merge over the bench's config. */
  extra?: Record<string, unknown>;
  /** Run with --expose-gc and the test hook that makes SIGUSR2 a full GC (`RevcamServer.gc()`). */
  gcHook?: boolean;
}

export interface RevcamServer {
  url: string;
  pid: number;
  configFile: string;
  /** A full garbage collection in the server (gcHook only), then a moment for it to finish. */
  gc(): Promise<void>;
  /** The server's RSS after a full GC, MB (gcHook only): garbage not yet collected counts on neither side of a comparison. */
  rssAfterGcMB(): Promise<number | null>;
  /** The last few kB the server wrote to stderr (its warnings and errors: the bench runs it at level warn). */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** The config the bench runs revcam with: the reversing service alone, 1280x720 at 30 fps, quiet logs. */
export function benchConfig(o: RevcamServerOptions): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    cameras: { rear: { width: 1280, height: 720, fps: 30, ...o.camera } },
    services: [{ manifest: 'builtin:reversing', standby: o.standby, idleStopMs: o.idleStopMs ?? 10_000 }],
    reverse: { service: 'reversing', camera: 'rear', codec: o.codec, holdMs: 4000, exitSpeedKmh: 10 },
    ...o.extra,
  };
}

export async function startRevcamServer(o: RevcamServerOptions): Promise<RevcamServer> {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-bench-'));
  const configFile = join(dir, 'revcam.json');
  writeFileSync(configFile, JSON.stringify(benchConfig(o), null, 2));
  const execArgv = [...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []), ...(o.gcHook ? ['--expose-gc'] : [])];
  const child = spawn(process.execPath, [...execArgv, resolve(ROOT, 'dist/bundle/revcam.js'), 'serve', '--config', configFile, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(o.gcHook && { REVCAM_TEST_HOOKS: '1', REVCAM_TEST_SIGUSR2: 'gc' }) },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('revcam serve printed no URL within 20 s')), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      rej(new Error(`${err.message}\n${stderr}`));
    };
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /revcam: display at (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        res(m[1]!);
      }
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(new Error(`revcam serve exited (${signal ?? code}) before listening`));
    child.once('exit', onExit);
  });
  child.stdout!.resume();
  const gc = async (): Promise<void> => {
    if (!o.gcHook) throw new Error('the server was started without gcHook');
    child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 300));
  };
  return {
    url,
    pid: child.pid!,
    configFile,
    gc,
    stderrTail: () => stderr,
    rssAfterGcMB: async () => {
      await gc();
      const b = rssBytes(child.pid!);
      return b === undefined ? null : Math.round((b / 1024 / 1024) * 10) / 10;
    },
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    child.kill('SIGTERM');
  });
}
