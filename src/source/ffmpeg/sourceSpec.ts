/**
 * A camera's `source` setting, parsed: which kind of source it names and
 * where it is. One place decides the syntax, so config validation, the
 * source factory and the docs agree.
 */
export type SourceSpec =
  | { kind: 'synthetic' }
  | { kind: 'v4l2'; device: string }
  | { kind: 'rtsp'; url: string }
  | { kind: 'file'; path: string };

export class SourceSpecError extends Error {}

export function parseSourceSpec(source: string): SourceSpec {
  if (source === 'synthetic') return { kind: 'synthetic' };
  if (source.startsWith('v4l2:')) {
    const device = source.slice('v4l2:'.length);
    if (!/^\/dev\/[A-Za-z0-9_./-]+$/.test(device)) throw new SourceSpecError(`camera source '${source}': expected v4l2:/dev/videoN`);
    return { kind: 'v4l2', device };
  }
  if (/^rtsps?:\/\//i.test(source)) {
    try {
      new URL(source);
    } catch {
      throw new SourceSpecError(`camera source '${source}': not a valid RTSP URL`);
    }
    return { kind: 'rtsp', url: source };
  }
  if (source.startsWith('file:')) {
    const path = source.slice('file:'.length);
    if (!path) throw new SourceSpecError(`camera source '${source}': expected file:PATH`);
    return { kind: 'file', path };
  }
  throw new SourceSpecError(`unsupported camera source '${source}': use synthetic, v4l2:/dev/videoN, rtsp://… or file:PATH`);
}

/** The source as it may appear in logs and status messages: an RTSP URL without its password. */
export function describeSource(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'synthetic':
      return 'synthetic';
    case 'v4l2':
      return `v4l2:${spec.device}`;
    case 'file':
      return `file:${spec.path}`;
    case 'rtsp': {
      const u = new URL(spec.url);
      if (u.password) u.password = '***';
      return u.toString();
    }
  }
}
