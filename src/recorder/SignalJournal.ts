/**
 * The signal timeline of a clip being recorded, kept on disk as it grows:
 * one JSON line per row appended (and fdatasync'ed) as each fragment becomes
 * durable, so a power cut keeps the signals up to the video's last fragment.
 * Rewriting the whole sidecar per fragment cost a clip O(rows²) bytes; the
 * journal costs each row once. At close the recorder writes the sidecar
 * (`<id>.signals.json`) and drops the journal; after a power cut, recovery
 * builds the sidecar from it.
 *
 * Layout: the first line is the sidecar's header (everything but `rows`),
 * every further line one row. A torn last line is ignored.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';

export interface SidecarHeader {
  version: 1;
  id: string;
  hz: number;
  startUs: number;
  geometry: unknown;
}

export class SignalJournal {
  readonly #fh: FileHandle;

  private constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  /** Creates the journal (never over an existing file) with its header line, synced. */
  static async create(file: string, header: SidecarHeader): Promise<SignalJournal> {
    const fh = await open(file, 'wx');
    try {
      await fh.write(JSON.stringify(header) + '\n');
      await fh.datasync();
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
    return new SignalJournal(fh);
  }

  /** Appends rows, one line each, and makes them durable. */
  async append(rows: readonly unknown[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) text += JSON.stringify(r) + '\n';
    await this.#fh.write(text);
    await this.#fh.datasync();
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }

  /** Header and rows of a journal a power cut left; undefined when there is none or its header is unreadable. */
  static async read(file: string): Promise<{ header: SidecarHeader; rows: unknown[] } | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    const lines = text.split('\n');
    let header: SidecarHeader;
    try {
      header = JSON.parse(lines[0]!) as SidecarHeader;
    } catch {
      return undefined;
    }
    if (header === null || typeof header !== 'object' || header.version !== 1) return undefined;
    const rows: unknown[] = [];
    for (const line of lines.slice(1)) {
      if (line === '') continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        break; // the line the cut tore, and nothing after it
      }
    }
    return { header, rows };
  }
}
