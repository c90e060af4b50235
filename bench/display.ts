/**
 * A headless display, as the real one behaves: it listens on WS /api/signals
 * and, when the server says `view: rear`, opens /api/stream and paints the
 * first whole frame (for H.264 the first frame that is not catch-up). The
 * bench times gear → reverse (a POST to the signal bus) to that frame.
 */
import WebSocket from 'ws';
import { streamUrl } from '../src/cli/probe.js';
import { decodeHeader, nowUs, type CodecName } from '../src/wire/frame.js';
import type { SignalsServerMessage, ViewMessage } from '../src/wire/signals.js';
import { postSignals } from './signalsApi.js';

export interface ReverseTiming {
  /** POST sent to its HTTP answer, ms. */
  postMs: number;
  /** POST sent to the `view: rear` message, ms. */
  viewMs: number;
  /** POST sent to the stream's `accepted`, ms. */
  acceptedMs: number;
  /** POST sent to the first painted whole frame, ms: what the driver waits for. */
  firstFrameMs: number;
  /** Age of that frame when it arrived (now − capture), ms. */
  firstFrameAgeMs: number;
  catchUpFrames: number;
}

export function signalsUrl(base: string): string {
  return streamUrl(base).replace(/\/api\/stream$/, '/api/signals');
}

export class DisplayClient {
  #ws: WebSocket;
  #view: ViewMessage['view'] = 'none';
  #waiters: (() => void)[] = [];
  #stream: WebSocket | undefined;
  #catchUpFlag: number;

  private constructor(ws: WebSocket, catchUpFlag: number) {
    this.#ws = ws;
    this.#catchUpFlag = catchUpFlag;
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as SignalsServerMessage;
      if (m.type === 'view') {
        this.#view = m.view;
        for (const w of this.#waiters.splice(0)) w();
      }
    });
  }

  /** Connects to WS /api/signals; rejects with code NOT_FOUND when the server has no such route. */
  static connect(base: string, catchUpFlag = 0): Promise<DisplayClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(signalsUrl(base));
      ws.once('open', () => resolve(new DisplayClient(ws, catchUpFlag)));
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        reject(Object.assign(new Error(`WS /api/signals answered HTTP ${res.statusCode}`), { code: res.statusCode === 404 ? 'NOT_FOUND' : 'HTTP_' + res.statusCode }));
      });
      ws.once('error', reject);
    });
  }

  #waitView(view: ViewMessage['view'], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no view "${view}" within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (this.#view === view) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Engages reverse through the signal bus and waits, as the display does, for the first painted frame. */
  async reverse(o: { url: string; codec: CodecName; service: string; camera: string; timeoutMs: number }): Promise<ReverseTiming> {
    const t0 = performance.now();
    const post = postSignals(o.url, { gear: 'R', speedKmh: 0 }).then(() => performance.now() - t0);
    const r = await this.rearFrame(o, t0);
    return { postMs: await post, ...r };
  }

  /**
   * What the display does on its own: waits for `view: rear` (at once if the
   * view is already on), opens the stream and paints its first whole frame
   * (H.264: the first that is not catch-up). Times are ms since `t0` (performance.now()).
   */
  async rearFrame(o: { url: string; codec: CodecName; service: string; camera: string; timeoutMs: number }, t0: number): Promise<Omit<ReverseTiming, 'postMs'>> {
    await this.#waitView('rear', o.timeoutMs);
    const viewMs = performance.now() - t0;
    const stream = new WebSocket(streamUrl(o.url), { perMessageDeflate: false });
    this.#stream = stream;
    const r = await new Promise<Omit<ReverseTiming, 'postMs' | 'viewMs'>>((resolve, reject) => {
      let acceptedMs = Number.NaN;
      let catchUp = 0;
      const timer = setTimeout(() => reject(new Error(`no frame within ${o.timeoutMs} ms of view rear`)), o.timeoutMs);
      stream.on('open', () => stream.send(JSON.stringify({ type: 'request', service: o.service, camera: o.camera, codec: o.codec })));
      stream.on('message', (data: Buffer, isBinary) => {
        if (!isBinary) {
          const m = JSON.parse(data.toString()) as { type: string; code?: string; message?: string };
          if (m.type === 'accepted') acceptedMs = performance.now() - t0;
          else if (m.type === 'error') {
            clearTimeout(timer);
            reject(Object.assign(new Error(`${m.code}: ${m.message}`), { code: m.code }));
          }
          return;
        }
        const h = decodeHeader(data);
        if (this.#catchUpFlag !== 0 && (data[4]! & this.#catchUpFlag) !== 0) {
          catchUp++;
          return;
        }
        clearTimeout(timer);
        resolve({ acceptedMs, firstFrameMs: performance.now() - t0, firstFrameAgeMs: (nowUs() - h.captureUs) / 1000, catchUpFrames: catchUp });
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { viewMs, ...r };
  }

  /**
   * A display that is up before the server: tries WS /api/signals every
   * `everyMs` until it opens (a display in a car that boots with it).
   */
  static async connectRetrying(base: string, o: { everyMs: number; timeoutMs: number; catchUpFlag?: number }): Promise<DisplayClient> {
    const deadline = performance.now() + o.timeoutMs;
    for (;;) {
      const tried = performance.now();
      try {
        return await DisplayClient.connect(base, o.catchUpFlag ?? 0);
      } catch (err) {
        if (performance.now() > deadline) throw new Error(`no /api/signals at ${base} within ${o.timeoutMs} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, o.everyMs - (performance.now() - tried))));
    }
  }

  /** Leaves reverse above the exit speed, waits for `view: none`, and closes the stream as the display does. */
  async forward(url: string, timeoutMs: number): Promise<void> {
    await postSignals(url, { gear: 'D', speedKmh: 30 });
    await this.#waitView('none', timeoutMs);
    this.#stream?.terminate();
    this.#stream = undefined;
  }

  close(): void {
    this.#stream?.terminate();
    this.#ws.terminate();
  }
}
