/**
 * Burned-in guidelines for MJPEG clients that cannot draw (`?overlay=1`).
 * One tap per (service, camera): it is a single viewer of the real stream,
 * burns the current overlay into each frame it can keep up with (sharp,
 * ≈ 30 ms at 720p; a frame that arrives mid-burn is dropped, latest wins),
 * and feeds a derived stream that every overlay viewer joins. So the burn
 * runs once per frame however many such viewers there are, and the tap goes
 * away with its last viewer.
 */
import { Consumer, type ConsumerSink } from '../consumer/Consumer.js';
import type { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { MatchRequest } from '../registry/Registry.js';
import { Stream } from '../stream/Stream.js';
import { endReasonOf, SYSTEM_DEVICE, type StreamHub, type Subscription, type ViewerInfo, type WatchedStream } from '../stream/StreamHub.js';
import { decodeHeader, encodeFrame } from '../wire/frame.js';
import { burnOverlay } from './overlayBurner.js';

const BURN_QUALITY = 80;

interface Tap {
  derived: Stream;
  source: Subscription;
}

export class OverlayTaps {
  #taps = new Map<string, Promise<Tap>>();
  #viewerSeq = 0;
  /** Live viewers of the burned streams (the hub only knows the burner), so a policy can end them. */
  #viewers = new Map<Consumer, { viewer: ViewerInfo; watching: WatchedStream }>();

  constructor(
    private readonly hub: StreamHub,
    private viewerQueueFrames: number,
    private viewerMaxBufferedBytes: number,
    private readonly log: Logger,
  ) {}

  /** Live reload: the queue settings of viewers added from now on (config `stream`). */
  useStreamSettings(viewerQueueFrames: number, viewerMaxBufferedBytes: number): void {
    this.viewerQueueFrames = viewerQueueFrames;
    this.viewerMaxBufferedBytes = viewerMaxBufferedBytes;
  }

  /** Adds a viewer of the burned stream; `beforeFirstFrame` runs before it can receive anything. */
  async subscribe(req: MatchRequest, sink: ConsumerSink, viewer: ViewerInfo, beforeFirstFrame: () => void): Promise<{ consumer: Consumer; leave(): void }> {
    const key = `${req.service}/${req.camera}`;
    // Overlay viewers count under the limits like any other; the burner itself does not.
    const ticket = this.hub.admit(viewer, `${key}+overlay`);
    let tap = this.#taps.get(key);
    if (!tap) {
      tap = this.#open(key, req);
      this.#taps.set(key, tap);
      tap.catch(() => this.#taps.delete(key));
    }
    let derived: Stream;
    let source: Subscription;
    try {
      ({ derived, source } = await tap);
    } catch (err) {
      ticket.release();
      throw err;
    }
    const consumer = new Consumer({ id: `o${++this.#viewerSeq}`, sink, queueFrames: this.viewerQueueFrames, maxBufferedBytes: this.viewerMaxBufferedBytes });
    ticket.attach(consumer);
    beforeFirstFrame();
    // Audited like any viewer (the tap's own viewer of the real stream is the platform's).
    this.hub.openSession(consumer, viewer, source.instance, req.camera, 'jpeg');
    derived.add(consumer);
    const onVehicle: ViewerInfo = { ...viewer, vehicle: source.instance.vehicle };
    this.#viewers.set(consumer, { viewer: onVehicle, watching: { service: req.service, camera: req.camera } });
    this.hub.onViewerAdded?.({ viewer: onVehicle, consumer }); // the same admission re-check as the hub's own viewers
    return {
      consumer,
      leave: () => {
        ticket.release();
        this.hub.sessions.end(consumer.id, endReasonOf(consumer));
        this.#viewers.delete(consumer);
        derived.remove(consumer);
      },
    };
  }

  /** Ends every overlay viewer `reasonFor` gives a reason (Consumer.end). Returns how many. */
  endViewers(reasonFor: (viewer: ViewerInfo, watching: WatchedStream) => RevcamError | undefined): number {
    let n = 0;
    for (const [consumer, { viewer, watching }] of [...this.#viewers]) {
      const reason = consumer.closed ? undefined : reasonFor(viewer, watching);
      if (!reason) continue;
      consumer.end(reason);
      n++;
    }
    return n;
  }

  async #open(key: string, req: MatchRequest): Promise<Tap> {
    let source: Subscription | undefined;
    let derived: Stream | undefined;
    const burner: ConsumerSink = {
      write: (wire, done) => {
        const h = decodeHeader(wire);
        const overlay = source?.stream.overlay;
        const jpeg = wire.subarray(h.headerLength + h.metaLength);
        const burned = overlay ? burnOverlay(jpeg, overlay, BURN_QUALITY) : Promise.resolve(jpeg);
        burned
          .then((payload) => derived?.push(Buffer.from(encodeFrame({ ...h, payload }))))
          .catch((err: unknown) => this.log.warn({ err, tap: key }, 'overlay burn failed; frame dropped'))
          .finally(() => done());
      },
      bufferedBytes: () => 0,
    };
    // The derived stream must exist before the source's first frame reaches the burner.
    const sub = await this.hub.subscribe({ ...req, codec: 'jpeg' }, burner, { transport: 'overlay-burner', device: SYSTEM_DEVICE }, (s) => {
      source = s;
      derived = new Stream({ id: `${s.stream.id}+overlay`, instanceId: s.stream.instanceId, camera: req.camera, codec: 'jpeg', fps: s.stream.fps });
    });
    const d = derived as unknown as Stream;
    sub.stream.on('status', (event, message) => d.status(event, message));
    d.on('idle', () => {
      this.#taps.delete(key);
      this.hub.unsubscribe(sub);
      d.close();
    });
    return { derived: d, source: sub };
  }
}
