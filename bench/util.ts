import { createServer } from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free right now on loopback (for a server that cannot listen on port 0, like the peer). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Progress goes to stderr so stdout is the table alone. */
const t0 = performance.now();
export function progress(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

export const FPS = 30;
/** Two frame intervals at the bench's 30 fps: the oldest a frame may be and still count as live. */
export const LIVE_MS = (2 * 1000) / FPS;
