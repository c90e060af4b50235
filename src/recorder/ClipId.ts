/**
 * Clip ids and the paths built from them. An id reaches us from review
 * callers (HTTP, NATS), so it is checked against a strict pattern before any
 * path is made, and every path is checked to stay inside the folder anyway
 * (belt and braces: a pattern bug must not become a traversal).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { RevcamError } from '../errors/RevcamError.js';

/** `20261207T064512Z-rear-3f9a`: UTC start second, camera, 4 random hex digits. */
export const CLIP_ID_PATTERN = /^[0-9]{8}T[0-9]{6}Z-[a-z][a-z0-9-]{0,31}-[0-9a-f]{4}$/;

export function isClipId(id: unknown): id is string {
  return typeof id === 'string' && CLIP_ID_PATTERN.test(id);
}

/** A new id for a clip whose first frame was captured at `startUs`. */
export function newClipId(startUs: number, camera: string): string {
  const iso = new Date(Math.floor(startUs / 1000)).toISOString(); // 2026-12-07T06:45:12.345Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const id = `${stamp}-${camera}-${randomBytes(2).toString('hex')}`;
  if (!isClipId(id)) throw new RevcamError('BAD_REQUEST', `camera name ${JSON.stringify(camera)} cannot form a clip id`);
  return id;
}

/** `journal`: the timeline of a clip being recorded (SignalJournal.ts), replaced by `signals` at close. */
export type ClipFile = 'mp4' | 'manifest' | 'signals' | 'journal';
const SUFFIX: Record<ClipFile, string> = { mp4: '.mp4', manifest: '.json', signals: '.signals.json', journal: '.signals.jsonl' };
/** Every file a clip may have, for sizes and deletion. */
export const CLIP_FILES: readonly ClipFile[] = ['mp4', 'signals', 'journal', 'manifest'];

/** The absolute path of one of a clip's files; throws BAD_REQUEST for a malformed id, never builds a path from one. */
export function clipPath(dir: string, id: unknown, file: ClipFile): string {
  if (!isClipId(id)) throw new RevcamError('BAD_REQUEST', 'malformed clip id');
  const root = path.resolve(dir);
  const p = path.resolve(root, id + SUFFIX[file]);
  if (path.dirname(p) !== root) throw new RevcamError('BAD_REQUEST', 'clip path leaves the recordings folder');
  return p;
}

/** The id a folder entry belongs to as its manifest, or undefined (mp4s, sidecars, temp files, strangers). */
export function manifestIdOf(fileName: string): string | undefined {
  if (!fileName.endsWith('.json') || fileName.endsWith('.signals.json')) return undefined;
  const id = fileName.slice(0, -'.json'.length);
  return isClipId(id) ? id : undefined;
}
