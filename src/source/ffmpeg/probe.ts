/** Asks ffprobe what a file or RTSP camera carries, so revcam can copy it rather than re-encode. */
import { execFile } from 'node:child_process';
import type { CameraConfig } from '../../config/types.js';
import { ffprobeArgs, type InputInfo } from './ffmpegArgs.js';
import type { SourceSpec } from './sourceSpec.js';

function rate(r: unknown): number {
  if (typeof r !== 'string') return 0;
  const [n, d] = r.split('/').map(Number);
  return n && d ? n / d : 0;
}

export function probeInput(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig, timeoutMs = Math.max(5000, camera.stallTimeoutMs)): Promise<InputInfo> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ffprobeArgs(spec, camera), { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim().split('\n').at(-1) || (err.killed ? `no answer within ${timeoutMs} ms` : err.message);
        reject(new Error(`ffprobe: ${why}`));
        return;
      }
      try {
        const s = (JSON.parse(stdout) as { streams?: Array<Record<string, unknown>> }).streams?.[0];
        if (!s) throw new Error('no video stream');
        const fps = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
        resolve({
          codec: String(s.codec_name ?? 'unknown'),
          width: Number(s.width) || camera.width,
          height: Number(s.height) || camera.height,
          // RTSP often reports a timebase (90000) as the rate: keep only plausible ones.
          fps: fps > 0 && fps <= 240 ? fps : camera.fps,
        });
      } catch (e) {
        reject(new Error(`ffprobe: ${(e as Error).message}`));
      }
    });
  });
}

/** Probes made ahead of a camera's first open, by camera config object. */
const ahead = new WeakMap<CameraConfig, Promise<InputInfo>>();

/**
 * Starts probing a camera's input now (a warm service at its start), so that
 * its first open does not wait for ffprobe (~100 ms: a new H.264 viewer's
 * wait, docs/performance.md).
 */
export function probeAhead(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig): void {
  if (ahead.has(camera)) return;
  const p = probeInput(spec, camera);
  p.catch(() => {}); // judged when taken
  ahead.set(camera, p);
}

/**
 * The probe made ahead for this camera, handed out once: later opens probe
 * afresh (the camera may have been replaced meanwhile). A failed probe ahead
 * is retried, as a camera that was not up at service start may be now.
 */
export function takeProbeAhead(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig): Promise<InputInfo> | undefined {
  const p = ahead.get(camera);
  if (!p) return undefined;
  ahead.delete(camera);
  return p.catch(() => probeInput(spec, camera));
}
