/**
 * Serves the display app with the `send` library, each route rooted at
 * exactly one browser folder so no server code can ever be reached:
 *   `/`, `/index.html`   → src/display/index.html
 *   `/review`, `/review.html` → src/display/review.html (the recorder's clips)
 *   `/static/<asset>`    → src/display (assets only: .css .svg .png .ico)
 *   `/app/display/*.js`  → dist/src/display (the compiled display)
 *   `/app/wire/*.js`     → dist/src/wire (the wire format the display shares)
 * `send` decodes the path once, refuses `..`, null bytes and malformed escapes;
 * its refusals become coded JSON errors (BAD_REQUEST 400, NOT_FOUND 404).
 */
import { extname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type SendModule from 'send';
import { RevcamError } from '../errors/RevcamError.js';
import { compiledFile, packageFile } from '../app/packageFiles.js';

// `send` (with mime-db, http-errors: ~45 ms of module load) is loaded at the first static request, not at boot.
let loadingSend: Promise<typeof SendModule> | undefined;
const loadSend = () => (loadingSend ??= import('send').then((m) => m.default));

const displaySourceDir = packageFile('src/display');

interface StaticRoute {
  prefix: string;
  root: string;
  /** Extensions served; the display's TypeScript sources and the .d.ts files sit beside them. */
  extensions: ReadonlySet<string>;
}

const BROWSER_CODE = new Set(['.js', '.map']);
const ROUTES: readonly StaticRoute[] = [
  { prefix: '/static/', root: displaySourceDir, extensions: new Set(['.css', '.svg', '.png', '.ico']) },
  { prefix: '/app/display/', root: compiledFile('display'), extensions: BROWSER_CODE },
  { prefix: '/app/wire/', root: compiledFile('wire'), extensions: BROWSER_CODE },
];

/** The pages, each by its exact path (no other .html of the folder is reachable). */
const PAGE_ROUTE: StaticRoute = { prefix: '/', root: displaySourceDir, extensions: new Set(['.html']) };

/** The route and the still-encoded path inside its root, or undefined when the URL path is not a static file. */
function routeOf(rawPath: string): { route: StaticRoute; rel: string } | undefined {
  if (rawPath === '/' || rawPath === '/index.html') return { route: PAGE_ROUTE, rel: '/index.html' };
  if (rawPath === '/review' || rawPath === '/review.html') return { route: PAGE_ROUTE, rel: '/review.html' };
  const route = ROUTES.find((r) => rawPath.startsWith(r.prefix));
  return route && { route, rel: `/${rawPath.slice(route.prefix.length)}` };
}

function refusal(status: number, rawPath: string): RevcamError {
  if (status === 404) return new RevcamError('NOT_FOUND', `nothing at ${rawPath}`);
  // 400 (malformed escape, null byte) and 403 (`..`, dotfile) alike: the path itself is not acceptable.
  if (status === 400 || status === 403) return new RevcamError('BAD_REQUEST', `${rawPath} is not a valid file path`);
  return new RevcamError('INTERNAL', undefined, { cause: new Error(`static file error ${status}`) });
}

/**
 * Answers `req` when `rawPath` (the URL path as sent, not decoded) is a static
 * route: resolves once the file is sent, rejects with a RevcamError when it is
 * refused or missing. Returns false without answering for any other path.
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string): false | Promise<void> {
  const found = routeOf(rawPath);
  if (!found) return false;
  const { route, rel } = found;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return Promise.reject(new RevcamError('BAD_REQUEST', `${rawPath} has a malformed %-escape`));
  }
  if (!route.extensions.has(extname(decoded))) return Promise.reject(new RevcamError('NOT_FOUND', `nothing at ${rawPath}`));
  return loadSend().then((send) => new Promise<void>((resolveSent, reject) => {
    if (res.destroyed) return resolveSent(); // the client left while `send` loaded
    send(req, rel, { root: route.root, dotfiles: 'deny', index: false, cacheControl: false, etag: false, lastModified: false })
      .on('headers', (r: ServerResponse) => {
        r.setHeader('Cache-Control', 'no-cache');
        r.setHeader('X-Content-Type-Options', 'nosniff');
      })
      .on('directory', () => reject(new RevcamError('NOT_FOUND', `nothing at ${rawPath}`)))
      .on('error', (err: { status?: number; statusCode?: number }) => reject(refusal(err.status ?? err.statusCode ?? 500, rawPath)))
      .on('end', () => resolveSent())
      .pipe(res);
    res.once('close', () => resolveSent());
  }));
}

/**
 * Sends one file of `root` by its plain name (no folders) with `send`:
 * Range requests (206, 416 for one that cannot be met), HEAD, conditional
 * requests. For the recorder's clips; `name` was checked by the caller.
 */
export function sendFileIn(req: IncomingMessage, res: ServerResponse, root: string, name: string, contentType: string): Promise<void> {
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return Promise.reject(new RevcamError('BAD_REQUEST', 'not a file name'));
  return loadSend().then((send) => new Promise<void>((resolveSent, reject) => {
    if (res.destroyed) return resolveSent();
    send(req, `/${encodeURIComponent(name)}`, { root, dotfiles: 'deny', index: false, cacheControl: false })
      .on('headers', (r: ServerResponse) => {
        r.setHeader('Content-Type', contentType);
        r.setHeader('Cache-Control', 'no-cache');
        r.setHeader('X-Content-Type-Options', 'nosniff');
      })
      .on('error', (err: { status?: number; statusCode?: number; headers?: Record<string, string> }) => {
        const status = err.status ?? err.statusCode ?? 500;
        if (status === 416) {
          // A Range past the end: the size goes back in Content-Range, so the client can ask again.
          res.writeHead(416, { 'Content-Range': err.headers?.['Content-Range'] ?? 'bytes */*', 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
          res.end(JSON.stringify({ error: { code: 'BAD_REQUEST', message: `Range not satisfiable: ${String(req.headers.range).slice(0, 80)}` } }));
          return resolveSent();
        }
        reject(status === 404 ? new RevcamError('NOT_FOUND', `no file for ${name}`) : refusal(status, name));
      })
      .on('end', () => resolveSent())
      .pipe(res);
    res.once('close', () => resolveSent());
  }));
}
