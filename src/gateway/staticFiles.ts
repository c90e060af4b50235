/**
 * Serves the display app: `/` is src/display/index.html, `/static/*` other
 * assets from src/display, `/app/*.js` the compiled browser modules, limited
 * to the display and wire folders so no server code is ever served.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

const here = dirname(fileURLToPath(import.meta.url)); // dist/src/gateway
const compiledRoot = resolve(here, '..'); // dist/src
const displaySourceDir = resolve(here, '../../../src/display');
const BROWSER_FOLDERS = ['display', 'wire'];
const STATIC_ASSETS = new Set(['.css', '.svg', '.png', '.ico']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

function inside(root: string, rel: string): string | undefined {
  const full = normalize(join(root, rel));
  return full.startsWith(root + sep) ? full : undefined;
}

/** Returns the file for a URL path, or undefined when the path is not a static asset. */
export function staticPath(pathname: string): string | undefined {
  if (pathname === '/' || pathname === '/index.html') return join(displaySourceDir, 'index.html');
  if (pathname.startsWith('/static/')) {
    const rel = decodeURIComponent(pathname.slice('/static/'.length));
    // Assets only: the display's TypeScript sources sit in the same folder.
    return STATIC_ASSETS.has(extname(rel)) ? inside(displaySourceDir, rel) : undefined;
  }
  if (pathname.startsWith('/app/')) {
    const rel = decodeURIComponent(pathname.slice('/app/'.length));
    if (!BROWSER_FOLDERS.some((f) => rel.startsWith(`${f}/`)) || !/\.(js|map)$/.test(rel)) return undefined;
    return inside(compiledRoot, rel);
  }
  return undefined;
}

export async function sendStatic(res: ServerResponse, file: string): Promise<boolean> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
  return true;
}
