/** A real WebSocket viewer for tests: records every control message and frame it receives. */
import WebSocket from 'ws';
import { decodeFrame, type DecodedFrame } from '../../src/wire/frame.js';
import type { ServerMessage, StreamRequestMessage } from '../../src/wire/messages.js';

export class TestViewer {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly frames: DecodedFrame[] = [];
  closeCode: number | undefined;
  #waiters: (() => void)[] = [];
  readonly opened: Promise<void>;

  /** `ca`: the CA that signs an https:// server's certificate (the viewer then speaks wss://). */
  constructor(baseUrl: string, opts: { headers?: Record<string, string>; keepPayloads?: boolean; ca?: Buffer } = {}) {
    this.ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/stream`, { headers: opts.headers, ...(opts.ca && { ca: opts.ca }) });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        const f = decodeFrame(new Uint8Array(data));
        // Keep memory small in long tests: payloads are dropped unless asked for.
        this.frames.push(opts.keepPayloads ? f : { ...f, payload: f.payload.subarray(0, 4) });
      } else this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.#wake();
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.#wake();
    });
    this.ws.on('error', () => {});
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async request(req: Partial<StreamRequestMessage> = {}): Promise<ServerMessage> {
    await this.opened;
    this.ws.send(JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg', ...req }));
    return this.waitFor(() => this.messages.find((m) => m.type === 'accepted' || m.type === 'error'), 'accepted or error');
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Resolves with the predicate's first truthy value; rejects after timeoutMs with what it waited for. */
  waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        const v = predicate();
        if (v) {
          clearTimeout(deadline);
          resolve(v);
        } else if (this.closeCode !== undefined && !what.includes('close')) {
          clearTimeout(deadline);
          reject(new Error(`connection closed (${this.closeCode}) while waiting for ${what}`));
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  waitForFrames(n: number, timeoutMs?: number): Promise<number> {
    const start = this.frames.length;
    return this.waitFor(() => this.frames.length - start >= n && this.frames.length, `${n} frames`, timeoutMs);
  }

  close(): void {
    this.ws.terminate();
  }
}
