/**
 * revcam's NATS roles as real processes, started the way a user starts them
 * (`revcam host --nats URL --vehicle V --config F`, `revcam gateway --nats URL
 * --port 0 --config F`), so the bench meters each from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../child.js';
import { stopProcess } from '../revcamServer.js';

export interface RoleProcess {
  pid: number;
  /** The display URL, for roles that serve HTTP. */
  url: string;
  stop(): Promise<void>;
}

/** Runs `node dist/bundle/revcam.js <args> --config <config>` until its output matches `ready` (group 1: the URL, if any). */
export async function startRole(args: string[], config: Record<string, unknown>, ready: RegExp, timeoutMs = 60_000): Promise<RoleProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-bench-nats-'));
  const configFile = join(dir, 'revcam.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/bundle/revcam.js'), ...args, '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-6000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const what = `revcam ${args[0]}`;
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${what} was not ready within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
      const look = () => {
        const m = ready.exec(out);
        if (!m) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        res(m[1] ?? '');
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        rej(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${out}`));
      };
      child.stdout!.on('data', look);
      child.stderr!.on('data', look);
      child.once('exit', onExit);
    });
    return {
      pid: child.pid!,
      url,
      stop: async () => {
        await stopProcess(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export function startHost(natsUrl: string, vehicle: string, config: Record<string, unknown>): Promise<RoleProcess> {
  return startRole(['host', '--nats', natsUrl, '--vehicle', vehicle], config, /revcam: host \S+ announced/);
}

/** A gateway with the bench's quiet logging on a free loopback port. */
export function startGateway(natsUrl: string): Promise<RoleProcess> {
  return startRole(['gateway', '--nats', natsUrl, '--port', '0'], { server: { host: '127.0.0.1', port: 0 }, log: { level: 'warn' } }, /display at (http:\/\/[^\s/]+)\//);
}

/** The embedded `revcam serve` with the same config as the host: the local path to compare with. */
export function startServe(config: Record<string, unknown>): Promise<RoleProcess> {
  return startRole(['serve', '--port', '0'], config, /display at (http:\/\/[^\s/]+)\//);
}

/** `revcam serve --nats URL --vehicle V`: a host and a gateway in one process; its own viewers take the local path. */
export function startServeNats(natsUrl: string, vehicle: string, config: Record<string, unknown>): Promise<RoleProcess> {
  return startRole(['serve', '--nats', natsUrl, '--vehicle', vehicle, '--port', '0'], config, /display at (http:\/\/[^\s/]+)\//);
}
