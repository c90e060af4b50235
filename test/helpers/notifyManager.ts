/**
 * The service manager's side of sd_notify, for tests and the bench (case 10):
 * a NOTIFY_SOCKET datagram socket that records each message line as it
 * arrives. Node has no unix datagram socket: the manager is Debian's python3
 * (/usr/bin/python3; the python3 on PATH may be another build). It answers
 * systemd-notify's BARRIER=1 as systemd does, by closing the fd it was sent.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const PYTHON = '/usr/bin/python3';

/** The service manager's side of sd_notify: prints each message line as it arrives. */
const MANAGER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)  # BARRIER=1: closing its fd tells systemd-notify the message was taken
    for line in msg.decode("utf-8", "replace").split("\\n"):
        if line and line != "BARRIER=1":
            print(line, flush=True)
`;

export interface Received {
  /** performance.now() in this test process when the line arrived. */
  at: number;
  line: string;
}

export interface Manager {
  socket: string;
  child: ChildProcess;
  received: Received[];
  waitFor(line: string, timeoutMs: number, after?: number): Promise<Received>;
  stop(): void;
}

/** Binds `dir`/notify.sock and resolves once it listens. */
export async function startManager(dir: string): Promise<Manager> {
  const socket = join(dir, 'notify.sock');
  const child = spawn(PYTHON, ['-u', '-c', MANAGER, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: Received[] = [];
  let err = '';
  let buf = '';
  let listening: () => void;
  const ready = new Promise<void>((res) => (listening = res));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  child.stdout!.setEncoding('utf8').on('data', (t: string) => {
    buf += t;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'LISTENING') listening();
      else received.push({ at: performance.now(), line });
    }
  });
  const exited = new Promise<void>((_, rej) => child.once('exit', (code) => rej(new Error(`the fake service manager exited (${code}): ${err}`))));
  await Promise.race([ready, exited]);
  return {
    socket,
    child,
    received,
    async waitFor(line, timeoutMs, after = 0) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const hit = received.find((r) => r.line === line && r.at >= after);
        if (hit) return hit;
        assert.ok(performance.now() < deadline, `no ${line} within ${timeoutMs} ms (got: ${received.map((r) => r.line).join(', ') || 'nothing'}; manager: ${err})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => child.kill('SIGKILL'),
  };
}

