/**
 * candump log lines (`candump -L`, can-utils' log format), e.g.
 *   (1700000000.000000) vcan0 123#0102030405060708
 * Classic frames (3-digit standard or 8-digit extended id), remote frames
 * (`123#R`), CAN FD (`123##<flags><data>`) and error frames (CAN_ERR_FLAG in
 * an 8-digit id) are recognised; an optional trailing direction flag (T/R,
 * from `candump -x`) is ignored.
 */

export interface CanFrame {
  /** Seconds since the epoch, as logged (microsecond resolution). */
  timestampS: number;
  iface: string;
  /** 11-bit or 29-bit identifier, flags removed. */
  id: number;
  extended: boolean;
  data: number[];
  rtr: boolean;
  fd: boolean;
  /** An error frame (CAN_ERR_FLAG): `id` is the error class, `data` the details. */
  error: boolean;
}

export class CandumpParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CandumpParseError';
  }
}

const LINE = /^\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]+)#(#?)([^\s]*)(?:\s+[TR])?$/;
const CAN_ERR_FLAG = 0x20000000;
const CAN_EFF_MASK = 0x1fffffff;

function hexBytes(text: string, line: string): number[] {
  const hex = text.replace(/\./g, '');
  if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) throw new CandumpParseError(`bad data ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** One frame, or null for a blank or `#` comment line; throws CandumpParseError for anything else. */
export function parseCandumpLine(line: string): CanFrame | null {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return null;
  const m = LINE.exec(text);
  if (!m) throw new CandumpParseError(`not a candump -L line: ${JSON.stringify(line.slice(0, 120))}`);
  const [, ts, iface, idText, fdMark, rest] = m as unknown as [string, string, string, string, string, string];
  if (idText.length !== 3 && idText.length !== 8) throw new CandumpParseError(`CAN id must have 3 or 8 hex digits: ${JSON.stringify(line)}`);
  const raw = parseInt(idText, 16);
  if (idText.length === 3 && raw > 0x7ff) throw new CandumpParseError(`standard CAN id above 0x7FF: ${JSON.stringify(line)}`);
  // candump writes error frames with 8 digits and CAN_ERR_FLAG set; extended data frames without flags.
  const error = idText.length === 8 && (raw & CAN_ERR_FLAG) !== 0;
  const extended = idText.length === 8 && !error;
  const id = idText.length === 8 ? raw & CAN_EFF_MASK : raw;
  const frame: CanFrame = { timestampS: Number(ts), iface, id, extended, data: [], rtr: false, fd: fdMark === '#', error };
  if (frame.fd) {
    // First character after `##` is the FD flags nibble (BRS/ESI), then up to 64 data bytes.
    if (!/^[0-9A-Fa-f]/.test(rest)) throw new CandumpParseError(`CAN FD frame without flags: ${JSON.stringify(line)}`);
    frame.data = hexBytes(rest.slice(1), line);
    if (frame.data.length > 64) throw new CandumpParseError(`CAN FD frame longer than 64 bytes: ${JSON.stringify(line)}`);
  } else if (/^R\d*$/i.test(rest)) {
    frame.rtr = true;
  } else {
    frame.data = hexBytes(rest, line);
    if (frame.data.length > 8) throw new CandumpParseError(`classic CAN frame longer than 8 bytes: ${JSON.stringify(line)}`);
  }
  return frame;
}

/** The candump -L text of a classic data frame (the example log generator writes the same format). */
export function formatCandumpLine(f: Pick<CanFrame, 'timestampS' | 'iface' | 'id' | 'extended' | 'data'>): string {
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  const data = f.data.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  return `(${f.timestampS.toFixed(6)}) ${f.iface} ${id}#${data}`;
}
