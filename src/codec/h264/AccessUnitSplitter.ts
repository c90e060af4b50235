/**
 * Streaming Annex-B parser: bytes in (chunks cut anywhere), whole access
 * units out. An encoder such as libx264 with zerolatency emits several slices
 * per picture, so a new access unit starts not at every slice but where H.264
 * clause 7.4.1.2.3 says one must: at an access unit delimiter, at an SEI,
 * SPS or PPS after the picture's slices, or at a slice whose
 * first_mb_in_slice is 0 (the first slice of the next picture).
 *
 * Without delimiters the end of an access unit is known only when the next
 * one starts, so each unit is handed out one picture late. Where a container
 * frames the access units (revcam's ffmpeg sources use FLV for that reason),
 * prefer it; this parser is for bare Annex-B streams (files, /stream.h264).
 */
import { isVcl, NalType } from '../../wire/h264.js';
import { nowUs } from '../../wire/frame.js';
import { BitReader } from './BitReader.js';

export interface AccessUnit {
  /** The access unit, start codes included, exactly as it was in the stream. */
  data: Buffer;
  /** It holds an IDR picture. */
  keyframe: boolean;
  /** When its first byte arrived (microseconds, wire/frame.ts nowUs()). */
  arrivalUs: number;
}

export interface AccessUnitSplitterOptions {
  /** An access unit growing beyond this is garbage: it is dropped and parsing resynchronises. */
  maxAccessUnitBytes?: number;
}

type Verdict = 'new' | 'same' | 'more';

export class AccessUnitSplitter {
  readonly #onAccessUnit: (au: AccessUnit) => void;
  readonly #maxBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  /** Where the next start-code search begins. */
  #scan = 0;
  /** Offset of the newest NAL unit's first byte (after its start code), or -1 before any start code. */
  #nal = -1;
  /** The newest NAL unit is still waiting for enough bytes to be classified. */
  #unclassified = false;
  /** Offset where the access unit being gathered starts, or -1. */
  #au = -1;
  #auHasVcl = false;
  #auKey = false;
  #auArrival = 0;
  /** (offset in #buf, arrival time) of each chunk still in the buffer. */
  #marks: Array<[number, number]> = [];
  dropped = 0;

  constructor(onAccessUnit: (au: AccessUnit) => void, opts: AccessUnitSplitterOptions = {}) {
    this.#onAccessUnit = onAccessUnit;
    this.#maxBytes = opts.maxAccessUnitBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Uint8Array, arrivalUs = nowUs()): void {
    if (chunk.length === 0) return;
    this.#marks.push([this.#buf.length, arrivalUs]);
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([this.#buf, chunk]);
    this.#parse();
    this.#compact();
  }

  /** End of stream: the access unit being gathered is complete. */
  flush(): void {
    if (this.#unclassified) this.#classify(true);
    if (this.#au >= 0) this.#emit(this.#buf.length);
    this.#buf = Buffer.alloc(0);
    this.#marks = [];
    this.#scan = 0;
    this.#nal = -1;
    this.#au = -1;
  }

  #parse(): void {
    const buf = this.#buf;
    for (;;) {
      if (this.#unclassified && !this.#classify(false)) return;
      let i = this.#scan;
      let sc = -1;
      for (; i + 2 < buf.length; i++) {
        if (buf[i + 2]! > 1) {
          i += 2;
          continue;
        }
        if (buf[i + 2] === 1 && buf[i] === 0 && buf[i + 1] === 0) {
          sc = i;
          break;
        }
      }
      if (sc < 0) {
        this.#scan = Math.max(this.#scan, buf.length - 2);
        if (this.#au >= 0 && buf.length - this.#au > this.#maxBytes) this.#resync();
        return;
      }
      this.#nal = sc + 3;
      this.#scan = sc + 3;
      this.#unclassified = true;
    }
  }

  /** Decides whether the newest NAL unit starts a new access unit; false when it needs more bytes. */
  #classify(atEnd: boolean): boolean {
    const verdict = this.#verdict(atEnd);
    if (verdict === 'more') return false;
    this.#unclassified = false;
    const nal = this.#nal;
    const buf = this.#buf;
    // A 4-byte start code's leading zero belongs to the unit it introduces.
    const codeStart = nal - 4 >= 0 && buf[nal - 4] === 0 && (this.#au < 0 || nal - 4 > this.#au) ? nal - 4 : nal - 3;
    if (verdict === 'new' || this.#au < 0) {
      if (this.#au >= 0) this.#emit(codeStart);
      this.#au = codeStart;
      this.#auHasVcl = false;
      this.#auKey = false;
      this.#auArrival = this.#arrivalAt(codeStart);
    }
    const type = nal < buf.length ? buf[nal]! & 0x1f : 0;
    if (isVcl(type)) this.#auHasVcl = true;
    if (type === NalType.idr) this.#auKey = true;
    return true;
  }

  #verdict(atEnd: boolean): Verdict {
    const buf = this.#buf;
    const nal = this.#nal;
    if (nal >= buf.length) return atEnd ? 'same' : 'more';
    const type = buf[nal]! & 0x1f;
    // Before the first slice of a unit everything belongs to it (libx264 puts its SEI before the first AUD).
    if (!this.#auHasVcl) return 'same';
    if (type === NalType.aud) return 'new';
    if (type === NalType.sei || type === NalType.sps || type === NalType.pps || (type >= 14 && type <= 18)) return 'new';
    if (type === NalType.slice || type === NalType.idr) {
      // first_mb_in_slice is the first field of the slice header: ue(v) 0 is a single 1 bit.
      const end = Math.min(buf.length, nal + 8);
      try {
        return new BitReader(buf.subarray(nal, end)).ue() === 0 ? 'new' : 'same';
      } catch {
        return atEnd || end - nal >= 8 ? 'same' : 'more';
      }
    }
    return 'same';
  }

  #emit(end: number): void {
    // Trailing zero bytes before the next start code are not part of this unit.
    let e = end;
    while (e > this.#au && this.#buf[e - 1] === 0) e--;
    const data = Buffer.from(this.#buf.subarray(this.#au, e));
    this.#au = -1;
    if (data.length > 0) this.#onAccessUnit({ data, keyframe: this.#auKey, arrivalUs: this.#auArrival });
  }

  #arrivalAt(offset: number): number {
    let t = this.#marks[0]?.[1] ?? nowUs();
    for (const [o, at] of this.#marks) if (o <= offset) t = at;
    return t;
  }

  /** Drops bytes no unit needs any more so the buffer stays one access unit long. */
  #compact(): void {
    const keep = this.#au >= 0 ? this.#au : this.#nal >= 0 ? Math.max(0, this.#nal - 4) : Math.max(0, this.#buf.length - 3);
    if (keep === 0) return;
    this.#buf = this.#buf.subarray(keep);
    this.#scan -= keep;
    if (this.#nal >= 0) this.#nal -= keep;
    if (this.#au >= 0) this.#au -= keep;
    this.#marks = this.#marks.map(([o, t]): [number, number] => [o - keep, t]);
    // Keep only the newest mark at or before offset 0 plus later ones.
    let first = 0;
    for (let i = 0; i < this.#marks.length; i++) if (this.#marks[i]![0] <= 0) first = i;
    this.#marks = this.#marks.slice(first);
    if (this.#marks[0]) this.#marks[0][0] = 0;
    if (this.#scan < 0) this.#scan = 0;
  }

  #resync(): void {
    this.dropped++;
    this.#au = -1;
    this.#auHasVcl = false;
    this.#auKey = false;
    this.#nal = -1;
    this.#unclassified = false;
  }
}
