/**
 * Writes one clip as fragmented MP4 with mediabunny (docs/recorder.md,
 * "Format"): the camera's H.264 passed through, never re-encoded; one
 * fragment (moof+mdat) per group of pictures; each chunk mediabunny flushes
 * is written at its position and fdatasync'ed before the next, so what is on
 * disk is always ftyp+moov and whole fragments, plus at most one torn one.
 *
 * mediabunny takes Annex-B access units as they are: given no avcC
 * `description`, it builds the AVCDecoderConfigurationRecord from the first
 * keyframe's SPS/PPS and length-prefixes every NAL unit itself. No MP4 box is
 * written by hand here.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output, StreamTarget, type StreamTargetChunk } from 'mediabunny';

export interface Mp4Track {
  codec: string;
  width: number;
  height: number;
}

export class Mp4FragmentWriter {
  readonly #fh: FileHandle;
  readonly #output: Output;
  readonly #source: EncodedVideoPacketSource;
  readonly #track: Mp4Track;
  #first = true;
  #lastT = -1;
  #lastDelta = 1 / 30;
  /** File offsets of the moof boxes mediabunny has produced, in order. */
  #moofs: number[] = [];
  /** Bytes from 0 that are written and synced. */
  durableBytes = 0;
  /** Fragments whose moof+mdat are wholly durable. */
  durableFragments = 0;
  /** Called after each synced write with the new durable totals. */
  onDurable: ((bytes: number, fragments: number) => void) | undefined;

  private constructor(fh: FileHandle, track: Mp4Track) {
    this.#fh = fh;
    this.#track = track;
    const writable = new WritableStream<StreamTargetChunk>({
      write: async (chunk) => {
        await fh.write(chunk.data, 0, chunk.data.byteLength, chunk.position);
        await fh.datasync();
        const end = chunk.position + chunk.data.byteLength;
        if (end > this.durableBytes) this.durableBytes = end;
        // A fragment is durable once the chunk that holds its moof (and, in the same flush, its mdat) is.
        this.durableFragments = this.#moofs.filter((p) => p < end).length;
        this.onDurable?.(this.durableBytes, this.durableFragments);
      },
    });
    this.#output = new Output({
      // minimumFragmentDuration 0: mediabunny closes a fragment at every keyframe, so one fragment = one group.
      format: new Mp4OutputFormat({
        fastStart: 'fragmented',
        minimumFragmentDuration: 0,
        onMoof: (_data, position) => {
          this.#moofs.push(position);
        },
      }),
      target: new StreamTarget(writable),
    });
    this.#source = new EncodedVideoPacketSource('avc');
    this.#output.addVideoTrack(this.#source);
  }

  /** Creates the file (never over an existing one) and starts the output. */
  static async create(file: string, track: Mp4Track): Promise<Mp4FragmentWriter> {
    const fh = await open(file, 'wx');
    const w = new Mp4FragmentWriter(fh, track);
    try {
      await w.#output.start();
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
    return w;
  }

  /**
   * Adds one access unit at `t` seconds from the clip's first frame. The first
   * must be a keyframe carrying SPS and PPS. Times are forced to increase (a
   * capture clock that steps back must not break the file).
   */
  async add(annexB: Uint8Array, keyframe: boolean, t: number): Promise<void> {
    if (t <= this.#lastT) t = this.#lastT + 0.001;
    if (this.#lastT >= 0) this.#lastDelta = t - this.#lastT;
    this.#lastT = t;
    const packet = new EncodedPacket(annexB, keyframe ? 'key' : 'delta', t, this.#lastDelta);
    if (this.#first) {
      this.#first = false;
      await this.#source.add(packet, { decoderConfig: { codec: this.#track.codec, codedWidth: this.#track.width, codedHeight: this.#track.height } });
    } else {
      await this.#source.add(packet);
    }
  }

  /** Writes the last fragment (and mediabunny's mfra index), syncs and closes the file. */
  async finish(): Promise<void> {
    try {
      if (!this.#first) await this.#output.finalize();
      else await this.#output.cancel();
    } finally {
      await this.#fh.close().catch(() => {});
    }
  }

  /** Gives up without finishing (the recorder is closing after an error): the file keeps its durable fragments. */
  async abandon(): Promise<void> {
    await this.#output.cancel().catch(() => {});
    await this.#fh.close().catch(() => {});
  }
}
