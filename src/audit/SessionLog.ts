/**
 * The audit trail of stream sessions: one viewer of one stream, from the
 * moment it is added to the moment it leaves. Each session is logged as ONE
 * structured line when it ends (who, from where, what, how much, why it
 * ended) and listed at `GET /api/sessions`: the open ones and a bounded ring
 * of recent ended ones (oldest dropped), so memory stays bounded however
 * long the gateway runs. Only identities go in a record, never a credential.
 */
import type { Logger } from '../log/logger.js';

/** Why a session ended (docs/api.md, "Sessions"). */
export type EndReason = 'client closed' | 'unresponsive' | 'server shutdown' | 'service failed' | 'forbidden' | 'capacity' | 'error';

export interface SessionRecord {
  /** The viewer id (`v12`), unique for the process's life. */
  id: string;
  device: string;
  role: string;
  /** The client's address (the socket peer, or the client a trusted proxy forwarded); null when unknown. */
  address: string | null;
  /** The vehicle the stream shows; null until the platform serves more than one. */
  vehicle: string | null;
  service: string;
  instance: string;
  camera: string;
  codec: string;
  /** `ws`, `mjpeg`, `h264-http`, `overlay-burner`, … */
  transport: string;
  /** ISO 8601 times. */
  start: string;
  end: string | null;
  frames: number;
  bytes: number;
  dropped: number;
  reason: EndReason | null;
}

export type SessionStart = Omit<SessionRecord, 'end' | 'frames' | 'bytes' | 'dropped' | 'reason'>;

export interface SessionCounters {
  frames: number;
  bytes: number;
  dropped: number;
}

export const DEFAULT_RECENT_SESSIONS = 256;

interface OpenSession {
  record: SessionStart;
  counters: () => SessionCounters;
  /** A cause known before the transport reports the end (e.g. the service failed): it wins over `client closed`. */
  hint?: EndReason;
}

export class SessionLog {
  #open = new Map<string, OpenSession>();
  #recent: SessionRecord[] = [];
  readonly #maxRecent: number;

  constructor(
    private readonly log: Logger,
    maxRecent = DEFAULT_RECENT_SESSIONS,
  ) {
    this.#maxRecent = Math.max(0, maxRecent);
  }

  open(record: SessionStart, counters: () => SessionCounters): void {
    this.#open.set(record.id, { record, counters });
  }

  /** Marks the open sessions that match with the cause of an end still to come. */
  hint(match: (r: SessionStart) => boolean, reason: EndReason | undefined): void {
    for (const s of this.#open.values()) {
      if (!match(s.record)) continue;
      if (reason) s.hint = reason;
      else delete s.hint;
    }
  }

  /** Ends a session once (later calls are ignored), logs its line and keeps it among the recent ones. */
  end(id: string, reason: EndReason = 'client closed'): SessionRecord | undefined {
    const s = this.#open.get(id);
    if (!s) return undefined;
    this.#open.delete(id);
    const why = reason === 'client closed' && s.hint ? s.hint : reason;
    const ended: SessionRecord = { ...s.record, end: new Date().toISOString(), ...s.counters(), reason: why };
    this.#recent.push(ended);
    if (this.#recent.length > this.#maxRecent) this.#recent.splice(0, this.#recent.length - this.#maxRecent);
    this.log.info({ audit: 'stream-session', session: ended }, 'stream session ended');
    return ended;
  }

  /** Ends every open session (server shutdown). */
  endAll(reason: EndReason): void {
    for (const id of [...this.#open.keys()]) this.end(id, reason);
  }

  /** Open sessions with their counters so far, and the recent ended ones, newest last. */
  list(): { open: SessionRecord[]; recent: SessionRecord[] } {
    const open = [...this.#open.values()].map((s) => ({ ...s.record, end: null, ...s.counters(), reason: null }));
    return { open, recent: [...this.#recent] };
  }
}
