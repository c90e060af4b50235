/**
 * The review page (/review): the recorder's clips, newest first, and a
 * player for the selected one whose overlay draws the guidelines the driver
 * saw and the gear, speed and nearest distance of the moment shown
 * (docs/recorder.md, "Review"). ?token= is passed on to the API; #<id>
 * selects a clip. Its state is on window.revcamReview for the tests.
 */
import { EventsApi, type ReviewClip } from './api.js';
import { EventsList } from './eventsList.js';
import { Player } from './player.js';
import { Scrubber } from './scrubber.js';
import { TimelineCursor } from './timeline.js';
import { TimelineOverlay, type HudState } from './timelineOverlay.js';
import { triggerSeekS } from './types.js';

const REFRESH_MS = 3000;

export interface ReviewPageState {
  listed: string[];
  selected: string | null;
  /** The selected clip's timeline is loaded. */
  timeline: boolean;
  hud: HudState;
  /** The last API error shown, or null. */
  error: string | null;
  /** The <video>'s MediaError, if it had one. */
  videoError: string | null;
}

declare global {
  interface Window {
    revcamReview: ReviewPageState;
  }
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e as T;
}

const token = new URLSearchParams(location.search).get('token');
const api = new EventsApi(token);
const video = el<HTMLVideoElement>('video');
const status = el('review-status');
const lockButton = el<HTMLButtonElement>('lock');
const jumpButton = el<HTMLButtonElement>('jump');
const playButton = el<HTMLButtonElement>('play');
const timeLabel = el('time');
const details = el('details');
el<HTMLAnchorElement>('live-link').href = token ? `/?token=${encodeURIComponent(token)}` : '/';

const state: ReviewPageState = { listed: [], selected: null, timeline: false, hud: { t: 0, rowTMs: null, gear: null, speedKmh: null, nearestM: null, overlay: false, rect: null }, error: null, videoError: null };
window.revcamReview = state;

let clip: ReviewClip | undefined;
/** Bumped on every selection, so a late answer for an older one is dropped. */
let generation = 0;

const overlay = new TimelineOverlay(el<HTMLCanvasElement>('overlay'), el('review-hud'));
const scrubber = new Scrubber(el('scrubber'), (s) => player.seek(s));
const player = new Player(video, (t) => {
  overlay.render(video, t);
  state.hud = overlay.state;
  scrubber.setTime(t);
  timeLabel.textContent = `${t.toFixed(3)} s / ${(durationS() || 0).toFixed(1)} s`;
});
const list = new EventsList(el('events'), (id) => void select(id));

function showError(message: string | null): void {
  state.error = message;
  status.textContent = message ?? '';
  status.hidden = message === null;
}

/** The scrubber's length: the clip's, or the video's when that is longer (its last frame's duration). */
function durationS(): number {
  const d = Number.isFinite(video.duration) ? video.duration : 0;
  return Math.max(d, (clip?.durationMs ?? 0) / 1000);
}

function showClip(c: ReviewClip): void {
  clip = c;
  lockButton.disabled = c.locked;
  lockButton.textContent = c.locked ? '🔒 Locked' : 'Lock';
  jumpButton.disabled = c.triggers.length === 0;
  scrubber.setClip(c, durationS());
  overlay.setTriggers(c.triggers);
  details.textContent = `${c.id} · ${c.service}/${c.camera}${c.vehicle ? ` · ${c.vehicle}` : ''} · ${c.width}×${c.height} · ${c.frames} frames · ${(c.bytes / 1e6).toFixed(1)} MB · ${c.state}${c.endReason ? ` (${c.endReason})` : ''}`;
}

async function loadTimeline(c: ReviewClip, gen: number): Promise<void> {
  try {
    const timeline = await api.signals(c.id);
    if (gen !== generation) return;
    overlay.setTimeline(new TimelineCursor(timeline));
    state.timeline = true;
  } catch (err) {
    if (gen === generation) showError(`timeline of ${c.id}: ${(err as Error).message}`);
  }
  player.redraw();
}

async function select(id: string): Promise<void> {
  const gen = ++generation;
  state.selected = id;
  state.timeline = false;
  state.videoError = null;
  overlay.setTimeline(undefined);
  list.select(id);
  history.replaceState(null, '', `${location.pathname}${location.search}#${encodeURIComponent(id)}`);
  try {
    const c = await api.get(id);
    if (gen !== generation) return;
    showClip(c);
    player.load(api.mp4Url(id));
    await loadTimeline(c, gen);
  } catch (err) {
    if (gen === generation) showError(`${id}: ${(err as Error).message}`);
  }
}

/** A clip still recording grows: reload its timeline and video where the viewer is. */
async function followGrowth(c: ReviewClip): Promise<void> {
  const old = clip;
  if (!old || old.id !== c.id) return;
  const grew = old.state !== c.state || old.durationMs !== c.durationMs;
  showClip(c);
  if (!grew) return player.redraw();
  const at = video.currentTime;
  const playing = !video.paused;
  player.load(api.mp4Url(c.id), at);
  if (playing) void video.play().catch(() => {});
  await loadTimeline(c, generation);
}

async function refresh(): Promise<void> {
  try {
    const clips = await api.list();
    state.listed = clips.map((c) => c.id);
    list.render(clips);
    if (state.error?.startsWith('list: ')) showError(null);
    const wanted = state.selected ?? (decodeURIComponent(location.hash.slice(1)) || clips[0]?.id);
    if (state.selected === null && wanted) await select(wanted);
    else {
      const c = clips.find((x) => x.id === state.selected);
      if (c && clip && (c.state !== clip.state || c.durationMs !== clip.durationMs || c.locked !== clip.locked || c.triggers.length !== clip.triggers.length)) await followGrowth(c);
    }
  } catch (err) {
    showError(`list: ${(err as Error).message}`);
  }
}

function nextTrigger(): number | undefined {
  if (!clip || clip.triggers.length === 0) return undefined;
  const now = Math.round(video.currentTime * 1000);
  const offsets = clip.triggers.map((t) => t.offsetMs).sort((a, b) => a - b);
  return offsets.find((o) => o > now + 1) ?? offsets[0];
}

jumpButton.addEventListener('click', () => {
  const o = nextTrigger();
  if (o !== undefined) player.seek(triggerSeekS(o));
});
playButton.addEventListener('click', () => player.toggle());
video.addEventListener('play', () => (playButton.textContent = '❚❚ Pause'));
video.addEventListener('pause', () => (playButton.textContent = '▶ Play'));
video.addEventListener('durationchange', () => clip && scrubber.setClip(clip, durationS()));
video.addEventListener('error', () => {
  const e = video.error;
  state.videoError = e ? `${e.code}: ${e.message}` : 'unknown';
  showError(`video: ${state.videoError}`);
});
lockButton.addEventListener('click', async () => {
  if (!clip) return;
  try {
    showClip(await api.lock(clip.id));
    await refresh();
  } catch (err) {
    showError(`lock: ${(err as Error).message}`);
  }
});
window.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLInputElement) return;
  if (ev.key === ' ') (ev.preventDefault(), player.toggle());
  else if (ev.key === 't') jumpButton.click();
});
window.addEventListener('resize', () => player.redraw());

void refresh();
setInterval(() => void refresh(), REFRESH_MS);
