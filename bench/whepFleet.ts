/** The bench's handle on the WHEP viewer process (bench/whepViewers.ts). */
import { RpcChild } from './child.js';
import type { WhepCollected, WhepViewerCommand } from './whepViewers.js';

export class WhepFleet {
  #child = new RpcChild<WhepViewerCommand>('whepViewers.js');

  get pid(): number {
    return this.#child.pid;
  }

  /** Opens `count` WHEP sessions on `url` + `path`, each resolved once its first whole frame arrived. */
  connect(url: string, count: number, path = '/whep/reversing/rear', timeoutMs = 15_000): Promise<{ connected: number; retries: number }> {
    return this.#child.call({ op: 'connect', url, path, count, timeoutMs });
  }

  mark(): Promise<void> {
    return this.#child.call({ op: 'mark' });
  }

  collect(): Promise<WhepCollected> {
    return this.#child.call({ op: 'collect' });
  }

  /** DELETEs every session, then ends the process. */
  async close(): Promise<void> {
    await this.#child.call({ op: 'closeAll' }).catch(() => {});
    await this.#child.close();
  }
}
