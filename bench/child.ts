/** A bench helper process driven by request/reply messages over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench, where the compiled helper entry points live. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** The package root. */
export const ROOT = resolve(BENCH_DIR, '../..');

export class RpcError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

export class RpcChild<Cmd> {
  readonly proc: ChildProcess;
  #next = 0;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #exited: Promise<void>;

  constructor(entry: string, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}) {
    // quiet: the child's stdout (e.g. a peer's own logging) would interleave with the bench's table.
    this.proc = fork(resolve(BENCH_DIR, entry), [], { stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'], execArgv: opts.execArgv ?? [], env: opts.env ?? process.env });
    this.proc.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string; code?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new RpcError(m.error ?? 'failed', m.code));
    });
    this.#exited = new Promise((res) =>
      this.proc.once('exit', (code, signal) => {
        for (const p of this.#pending.values()) p.reject(new Error(`${entry} exited (${signal ?? code})`));
        this.#pending.clear();
        res();
      }),
    );
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  call<T>(cmd: Cmd): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      // A child that is gone fails the call instead of crashing the bench (an unhandled IPC error would leave its servers running).
      if (!this.proc.connected) return reject(new Error(`bench helper ${this.proc.spawnfile} is gone (exit ${this.proc.exitCode ?? this.proc.signalCode})`));
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd }, (err) => {
        if (!err || !this.#pending.has(id)) return;
        this.#pending.delete(id);
        reject(err);
      });
    });
  }

  /** Ends the process: disconnect, then SIGTERM, then SIGKILL. */
  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const kill = setTimeout(() => this.proc.kill('SIGTERM'), 2000);
    const hard = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    if (this.proc.connected) this.proc.disconnect();
    else this.proc.kill('SIGTERM');
    await this.#exited;
    clearTimeout(kill);
    clearTimeout(hard);
  }
}
