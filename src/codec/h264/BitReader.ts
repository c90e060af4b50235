/**
 * Reads the bits of a NAL unit's payload (RBSP): emulation-prevention bytes
 * (00 00 03) are removed first, then fixed-width and Exp-Golomb fields are
 * read most significant bit first, as H.264 clause 7.2 defines them.
 */
export class BitReader {
  readonly #bytes: Uint8Array;
  #bit = 0;

  /** `nal` is the NAL unit without its start code; `skipBytes` skips its header. */
  constructor(nal: Uint8Array, skipBytes = 1) {
    this.#bytes = unescapeRbsp(nal.subarray(skipBytes));
  }

  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bit;
  }

  u(n: number): number {
    if (n > this.bitsLeft) throw new RangeError('read past the end of the NAL unit');
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.#bytes[this.#bit >> 3]!;
      v = v * 2 + ((byte >> (7 - (this.#bit & 7))) & 1);
      this.#bit++;
    }
    return v;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  /** ue(v): unsigned Exp-Golomb. */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError('Exp-Golomb code too long');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v): signed Exp-Golomb. */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes emulation-prevention bytes: 00 00 03 xx becomes 00 00 xx. */
export function unescapeRbsp(data: Uint8Array): Uint8Array {
  let zeros = 0;
  let out: Uint8Array | undefined;
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (zeros >= 2 && b === 3) {
      if (!out) {
        out = new Uint8Array(data.length);
        out.set(data.subarray(0, i));
        o = i;
      }
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    if (out) out[o++] = b;
  }
  return out ? out.subarray(0, o) : data;
}
