/** Runs `revcam serve` as a real child process and reads the URL it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './server.js';

export interface CliServer {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
}

/**
 * Spawns a Node script as a child process and waits until its output matches
 * `ready` (the first group, if any, is returned as the URL). Every test that
 * runs revcam as a real process starts it through here. `script` is relative
 * to the checkout or absolute (an installed package's bin); `cwd` defaults to
 * the checkout; `wrap` runs node through a command (e.g. setpriv to another user).
 */
export async function spawnUntilReady(script: string, args: string[], ready: RegExp, env: Record<string, string> = {}, timeoutMs = 30_000, cwd = ROOT, wrap: string[] = []): Promise<CliServer> {
  const command = [...wrap, process.execPath, resolve(ROOT, script), ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  const what = [script.split('/').at(-2), args[0]].filter(Boolean).join(' ');
  const match = await new Promise<RegExpExecArray>((res, rej) => {
    const timer = setTimeout(() => {
      // Not ready is a failed start: the process must not outlive the test that gave up on it.
      child.kill('SIGKILL');
      rej(new Error(`${what} was not ready in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const look = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        child.stderr!.off('data', look);
        res(m);
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, url: match[1] ?? '', output: () => out, exited };
}

/** `revcam serve --port 0 <args>`, ready once it prints its display URL. */
export function startCliServer(args: string[] = [], env: Record<string, string> = {}): Promise<CliServer> {
  return spawnUntilReady('dist/bundle/revcam.js', ['serve', '--port', '0', ...args], /display at (http:\/\/[^\s/]+)\//, env, 20_000);
}

export type GatewayProcess = CliServer;

/** Starts test/fixtures/gateway-process (a startTestServer gateway) as a child process. */
export function startGatewayProcess(raw: Record<string, unknown> = {}): Promise<GatewayProcess> {
  return spawnUntilReady('dist/test/fixtures/gateway-process/main.js', [], /\{"url":"([^"]+)"/, { REVCAM_GATEWAY_FIXTURE: JSON.stringify(raw) }, 20_000);
}
