/**
 * The soak's churn: `viewers` slots, each running one client after another
 * until told to stop. A client is a real viewer of some kind (WebSocket JPEG
 * or H.264, MJPEG, /stream.h264), an early disconnect (socket destroyed at a
 * random moment, also mid-request), a stalled reader (stops reading for a
 * while) or a burst of bad requests (malformed JSON, unknown fields, hostile
 * paths). Every client ends by itself; nothing is awaited forever.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

export type ClientKind = 'ws-jpeg' | 'ws-h264' | 'mjpeg' | 'h264-http' | 'early' | 'stall-ws' | 'stall-mjpeg' | 'bad';

/** How often each kind is picked (weights). */
const MIX: [ClientKind, number][] = [
  ['ws-jpeg', 20],
  ['ws-h264', 10],
  ['mjpeg', 15],
  ['h264-http', 10],
  ['early', 20],
  ['stall-ws', 5],
  ['stall-mjpeg', 5],
  ['bad', 15],
];

export interface ChurnTally {
  started: Record<ClientKind, number>;
  /** Frames (WS) or body bytes (HTTP) seen, so a run that streams nothing is visible. */
  wsFrames: number;
  httpBytes: number;
  /** Status codes of the bad requests (`ws-close:<code>` for WebSocket ones). */
  badAnswers: Record<string, number>;
  clientErrors: number;
}

const rand = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pick(): ClientKind {
  const total = MIX.reduce((n, [, w]) => n + w, 0);
  let r = Math.random() * total;
  for (const [k, w] of MIX) if ((r -= w) < 0) return k;
  return 'ws-jpeg';
}

/** A stream the soak asks for: the hot rear camera mostly, the cold cabin one sometimes (start/stop churn). */
function target(codec: 'jpeg' | 'h264'): { service: string; camera: string; codec: 'jpeg' | 'h264' } {
  return Math.random() < 0.7 ? { service: 'reversing', camera: 'rear', codec } : { service: 'cabin-view', camera: 'cabin', codec };
}

export class Churn {
  readonly tally: ChurnTally = {
    started: { 'ws-jpeg': 0, 'ws-h264': 0, mjpeg: 0, 'h264-http': 0, early: 0, 'stall-ws': 0, 'stall-mjpeg': 0, bad: 0 },
    wsFrames: 0,
    httpBytes: 0,
    badAnswers: {},
    clientErrors: 0,
  };
  #running = false;
  #slots: Promise<void>[] = [];
  #live = new Set<{ kill(): void }>();
  readonly #host: string;
  readonly #port: number;

  constructor(readonly url: string) {
    const u = new URL(url);
    this.#host = u.hostname;
    this.#port = Number(u.port);
  }

  start(viewers: number): void {
    this.#running = true;
    for (let i = 0; i < viewers; i++) this.#slots.push(this.#slot(i * 20));
  }

  /** Stops starting clients and ends the live ones (each its normal way, at once). */
  async stop(): Promise<void> {
    this.#running = false;
    for (const c of this.#live) c.kill();
    await Promise.all(this.#slots);
    this.#slots = [];
  }

  async #slot(delayMs: number): Promise<void> {
    await sleep(delayMs); // stagger the first wave
    while (this.#running) {
      const kind = pick();
      this.tally.started[kind]++;
      try {
        await this.#run(kind);
      } catch {
        this.tally.clientErrors++;
        await sleep(100);
      }
    }
  }

  #run(kind: ClientKind): Promise<void> {
    switch (kind) {
      case 'ws-jpeg':
        return this.#wsViewer('jpeg', rand(500, 8000), 0);
      case 'ws-h264':
        return this.#wsViewer('h264', rand(500, 8000), 0);
      case 'stall-ws':
        return this.#wsViewer('jpeg', rand(3000, 8000), rand(200, 1000));
      case 'mjpeg':
        return this.#httpViewer('/stream.mjpg', 'jpeg', rand(500, 8000), 0);
      case 'h264-http':
        return this.#httpViewer('/stream.h264', 'h264', rand(500, 8000), 0);
      case 'stall-mjpeg':
        return this.#httpViewer('/stream.mjpg', 'jpeg', rand(3000, 8000), rand(200, 1000));
      case 'early':
        return Math.random() < 0.6 ? this.#earlyHttp() : this.#earlyWs();
      case 'bad':
        return this.#bad();
    }
  }

  /** Resolves when `done` is called or after `lifeMs`; `kill` ends it early. Registers itself while live. */
  #life(lifeMs: number, end: () => void): Promise<void> {
    return new Promise((resolve) => {
      let over = false;
      const finish = () => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        this.#live.delete(handle);
        end();
        resolve();
      };
      const handle = { kill: finish };
      const timer = setTimeout(finish, this.#running ? lifeMs : 0);
      this.#live.add(handle);
    });
  }

  #wsViewer(codec: 'jpeg' | 'h264', lifeMs: number, stallAfterMs: number): Promise<void> {
    const ws = new WebSocket(`ws://${this.#host}:${this.#port}/api/stream`);
    ws.on('error', () => {});
    ws.on('open', () => ws.send(JSON.stringify({ type: 'request', ...target(codec) })));
    ws.on('message', (_d, isBinary) => {
      if (isBinary) this.tally.wsFrames++;
    });
    if (stallAfterMs > 0) {
      // Stop reading: the kernel buffers fill, then the server must cut us off (close 4009).
      setTimeout(() => (ws as unknown as { _socket?: Socket })._socket?.pause(), stallAfterMs);
    }
    const life = this.#life(lifeMs, () => (Math.random() < 0.5 ? ws.close(1000) : ws.terminate()));
    return life.then(() => {
      ws.terminate();
    });
  }

  #httpViewer(path: string, codec: 'jpeg' | 'h264', lifeMs: number, stallAfterMs: number): Promise<void> {
    const t = target(codec);
    const req = httpRequest({ host: this.#host, port: this.#port, path: `${path}?service=${t.service}&camera=${t.camera}`, agent: false });
    req.on('error', () => {});
    req.on('response', (res: IncomingMessage) => {
      res.on('data', (c: Buffer) => (this.tally.httpBytes += c.length));
      res.on('error', () => {});
      if (stallAfterMs > 0) setTimeout(() => res.socket?.pause(), stallAfterMs);
    });
    req.end();
    return this.#life(lifeMs, () => req.destroy());
  }

  /** A raw HTTP stream request, its socket destroyed at a random moment: mid-headers, right after them, or after the first bytes back. */
  #earlyHttp(): Promise<void> {
    const t = target(Math.random() < 0.5 ? 'jpeg' : 'h264');
    const path = t.codec === 'jpeg' ? '/stream.mjpg' : '/stream.h264';
    const text = `GET ${path}?service=${t.service}&camera=${t.camera} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const s = connect(this.#port, this.#host);
    s.on('error', () => {});
    const moment = Math.random();
    s.on('connect', () => {
      if (moment < 0.3) {
        s.write(text.slice(0, Math.floor(rand(1, text.length - 1))));
        setTimeout(() => s.destroy(), rand(0, 50));
      } else if (moment < 0.7) {
        s.write(text);
        setTimeout(() => s.destroy(), rand(0, 200));
      } else {
        s.write(text);
        s.once('data', () => setTimeout(() => s.destroy(), rand(0, 100)));
      }
    });
    return this.#life(rand(300, 1500), () => s.destroy());
  }

  /** A WebSocket that goes away before, during or just after its request. */
  #earlyWs(): Promise<void> {
    const ws = new WebSocket(`ws://${this.#host}:${this.#port}/api/stream`);
    ws.on('error', () => {});
    const moment = Math.random();
    if (moment < 0.3) setTimeout(() => ws.terminate(), rand(0, 5));
    ws.on('open', () => {
      if (moment < 0.5) return ws.terminate();
      ws.send(JSON.stringify({ type: 'request', ...target(Math.random() < 0.5 ? 'jpeg' : 'h264') }));
      setTimeout(() => ws.terminate(), rand(0, 300));
    });
    return this.#life(rand(300, 1500), () => ws.terminate());
  }

  /** A few bad requests of one sort; counts what the server answered. */
  async #bad(): Promise<void> {
    const sort = Math.floor(Math.random() * 3);
    if (sort === 0) {
      const paths = [
        '/app/display/..%2fdevice%2fDeviceAuth.js',
        '/static/%zz.css',
        '/../../../etc/passwd',
        '/%2e%2e/%2e%2e/package.json',
        '/stream.mjpg?service=../../x&camera=rear',
        '/stream.mjpg?service=reversing&camera=rear&evil=1',
        '/stream.h264?service=reversing&camera=%00',
        '/api/services/../../etc/passwd',
        '/stream.mjpg?service=nope&camera=rear',
      ];
      const p = paths[Math.floor(Math.random() * paths.length)] ?? '/';
      this.#count(await this.#raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    } else if (sort === 1) {
      const bodies = ['{bad json', '{"samples":[],"unknown":1}', '{"samples":[{"path":"Vehicle.Nope","value":1}]}', '[]', '"x"'];
      const b = bodies[Math.floor(Math.random() * bodies.length)] ?? '';
      this.#count(await this.#raw(`POST /api/signals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\nConnection: close\r\n\r\n${b}`));
      if (Math.random() < 0.2) this.#count(await this.#raw('\x00\x01garbage\r\n\r\n'));
    } else {
      const messages: (string | Buffer)[] = [
        '{not json',
        JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg', evil: 1 }),
        JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'vp9' }),
        JSON.stringify({ type: 'request', service: 'no-such', camera: 'rear', codec: 'jpeg' }),
        'x'.repeat(10_000),
        Buffer.from([1, 2, 3]),
      ];
      const m = messages[Math.floor(Math.random() * messages.length)] ?? '';
      this.#count(await this.#wsBad(m));
    }
  }

  #count(answer: string): void {
    this.tally.badAnswers[answer] = (this.tally.badAnswers[answer] ?? 0) + 1;
  }

  /** Sends raw bytes; resolves with the HTTP status (or `none`) within 5 s. */
  #raw(text: string): Promise<string> {
    return new Promise((resolve) => {
      const s = connect(this.#port, this.#host);
      let got = '';
      const done = (v: string) => {
        clearTimeout(timer);
        s.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => done('none'), 5000);
      s.on('error', () => done(got ? got : 'reset'));
      s.on('connect', () => s.write(text));
      s.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
        if (m) done(`http-${m[1]}`);
      });
      s.on('end', () => done(got ? 'unparsed' : 'closed'));
    });
  }

  #wsBad(message: string | Buffer): Promise<string> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://${this.#host}:${this.#port}/api/stream`);
      let code = '';
      const done = (v: string) => {
        clearTimeout(timer);
        ws.terminate();
        resolve(v);
      };
      const timer = setTimeout(() => done(`ws-${code || 'no-answer'}`), 5000);
      ws.on('error', () => {});
      ws.on('open', () => ws.send(message));
      ws.on('message', (d, isBinary) => {
        if (!isBinary) code = (JSON.parse(d.toString()) as { code?: string }).code ?? '';
      });
      ws.on('close', (c) => done(`ws-${code || 'none'}-close-${c}`));
    });
  }
}
