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

export async function startCliServer(args: string[] = [], env: Record<string, string> = {}): Promise<CliServer> {
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/src/cli/main.js'), 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve printed no URL in 20 s:\n${out}`)), 20_000);
    const look = () => {
      const m = /display at (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => rej(new Error(`serve exited (${code}) before printing its URL:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | string>;
}

/** Starts test/fixtures/gateway-process (a startTestServer gateway) as a child process. */
export async function startGatewayProcess(raw: Record<string, unknown> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/test/fixtures/gateway-process/main.js')], {
    cwd: ROOT,
    env: { ...process.env, REVCAM_GATEWAY_FIXTURE: JSON.stringify(raw) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`gateway printed no URL in 20 s:\n${out}`)), 20_000);
    const look = () => {
      const m = /\{"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => rej(new Error(`gateway exited (${code}) before listening:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}
