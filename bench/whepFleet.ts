/**
 * The bench's handle on the WHEP viewers (bench/whepViewers.ts): werift
 * clients in VIEWERS_PER_PROCESS-viewer processes. One process of 50 clients
 * ran one core flat out (88 %) decrypting 23,000 packets a second, and its
 * own lateness read as the server's (W1); split, the clients use what the
 * machine has, and their CPU is metered over every process.
 */
import { RpcChild } from './child.js';
import { summarize } from './stat.js';
import type { WhepCollected, WhepViewerCommand } from './whepViewers.js';

export const VIEWERS_PER_PROCESS = 25;

export class WhepFleet {
  #children: RpcChild<WhepViewerCommand>[] = [];

  /** Every viewer process (empty before connect). */
  get pids(): number[] {
    return this.#children.map((c) => c.pid);
  }

  /** Opens `count` WHEP sessions on `url` + `path` over ceil(count / VIEWERS_PER_PROCESS) processes, each resolved once its first whole frame arrived. */
  async connect(url: string, count: number, path = '/whep/reversing/rear', timeoutMs = 15_000): Promise<{ connected: number; retries: number }> {
    const processes = Math.max(1, Math.ceil(count / VIEWERS_PER_PROCESS));
    while (this.#children.length < processes) this.#children.push(new RpcChild<WhepViewerCommand>('whepViewers.js'));
    const shares = this.#children.map((_, i) => Math.floor(count / processes) + (i < count % processes ? 1 : 0));
    // One process after the other: their offers would otherwise all land on the server at once.
    let connected = 0, retries = 0;
    for (const [i, c] of this.#children.entries()) {
      const r = await c.call<{ connected: number; retries: number }>({ op: 'connect', url, path, count: shares[i]!, timeoutMs });
      connected += r.connected;
      retries += r.retries;
    }
    return { connected, retries };
  }

  async mark(): Promise<void> {
    await Promise.all(this.#children.map((c) => c.call({ op: 'mark' })));
  }

  /** Every process's viewers as one fleet: sums, and statistics over every viewer's (or frame's) values. */
  async collect(): Promise<WhepCollected> {
    const all = await Promise.all(this.#children.map((c) => c.call<WhepCollected>({ op: 'collect' })));
    if (all.length === 1) return all[0]!;
    const seconds = Math.max(...all.map((c) => c.seconds));
    const viewers = all.flatMap((c) => c.viewers);
    const samples = (k: 'latencySamples' | 'answerSamples' | 'firstFrameSamples') => all.flatMap((c) => c[k]);
    return {
      seconds,
      viewers,
      latencyMs: summarize(samples('latencySamples'), 'ms'),
      fps: summarize(viewers.map((v) => v.fps), 'fps'),
      packets: all.reduce((s, c) => s + c.packets, 0),
      lost: all.reduce((s, c) => s + c.lost, 0),
      bytesPerSecond: all.reduce((s, c) => s + c.bytesPerSecond, 0),
      answerMs: summarize(samples('answerSamples'), 'ms'),
      firstFrameMs: summarize(samples('firstFrameSamples'), 'ms'),
      retries: all.reduce((s, c) => s + c.retries, 0),
      silentViewers: all.reduce((s, c) => s + c.silentViewers, 0),
      latencySamples: samples('latencySamples'),
      answerSamples: samples('answerSamples'),
      firstFrameSamples: samples('firstFrameSamples'),
    };
  }

  /** DELETEs every session, then ends the processes. */
  async close(): Promise<void> {
    await Promise.all(
      this.#children.map(async (c) => {
        await c.call({ op: 'closeAll' }).catch(() => {});
        await c.close();
      }),
    );
  }
}
