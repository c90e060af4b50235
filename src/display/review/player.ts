/**
 * The <video> of one clip, and the one clock everything else follows: each
 * presented frame (requestVideoFrameCallback, its mediaTime) and each seek
 * calls `onTime`; where requestVideoFrameCallback is missing, timeupdate and
 * requestAnimationFrame stand in. While paused, the time is currentTime.
 */
export class Player {
  readonly video: HTMLVideoElement;
  readonly #onTime: (t: number) => void;
  #rafPending = false;

  constructor(video: HTMLVideoElement, onTime: (t: number) => void) {
    this.video = video;
    this.#onTime = onTime;
    video.muted = true;
    video.playsInline = true;
    video.preload = 'auto';
    if (typeof video.requestVideoFrameCallback === 'function') {
      const onFrame: VideoFrameRequestCallback = (_now, meta) => {
        this.#onTime(video.paused ? video.currentTime : meta.mediaTime);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    } else {
      const loop = () => {
        if (this.video.paused) return;
        this.#tick();
        requestAnimationFrame(loop);
      };
      video.addEventListener('play', () => requestAnimationFrame(loop));
      video.addEventListener('timeupdate', () => this.#tick());
    }
    // A seek while paused presents one frame (or none, on the same frame): draw for currentTime anyway.
    for (const ev of ['seeked', 'loadeddata', 'pause', 'resize'] as const) video.addEventListener(ev, () => this.#tick());
  }

  /** Schedules one draw for the current time on the next animation frame. */
  #tick(): void {
    if (this.#rafPending) return;
    this.#rafPending = true;
    requestAnimationFrame(() => {
      this.#rafPending = false;
      this.#onTime(this.video.currentTime);
    });
  }

  redraw(): void {
    this.#tick();
  }

  load(url: string, at = 0): void {
    const v = this.video;
    v.src = url;
    if (at > 0) v.addEventListener('loadedmetadata', () => this.seek(at), { once: true });
  }

  unload(): void {
    this.video.removeAttribute('src');
    this.video.load();
  }

  seek(seconds: number): void {
    const d = this.video.duration;
    this.video.currentTime = Math.max(0, Number.isFinite(d) && d > 0 ? Math.min(seconds, d) : seconds);
  }

  toggle(): void {
    if (this.video.paused) void this.video.play().catch(() => {});
    else this.video.pause();
  }
}
