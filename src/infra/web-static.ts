// Serves the built web app (web/dist) at `/`: files as they are, hashed assets
// cached for good, and index.html for app routes (/slots, /reset-password, …)
// so the browser router takes over. Nothing here touches /graphql.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' };

/** Answers GET/HEAD for the web app; false when the request is not one (the caller routes it on). */
export function createWebStatic(dist = WEB_DIST) {
  const root = path.resolve(dist);
  return function serve(req: IncomingMessage, res: ServerResponse, urlPath: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return false;
    }
    const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
    if (!file.startsWith(root + path.sep) && file !== root) return false;
    const ext = path.extname(file);
    if (ext && isFile(file)) {
      const immutable = decoded.startsWith('/assets/');
      send(
        req,
        res,
        file,
        TYPES[ext] ?? 'application/octet-stream',
        immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      return true;
    }
    if (ext) return false; // a missing file is a 404, not the app
    const index = path.join(root, 'index.html');
    if (!isFile(index)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end(
        'The web app is not built. Run `npm run build:web` (npm install and npm start do it), or use /graphql.\n',
      );
      return true;
    }
    send(req, res, index, TYPES['.html']!, 'no-cache');
    return true;
  };
}

function isFile(p: string) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function send(req: IncomingMessage, res: ServerResponse, file: string, type: string, cacheControl: string) {
  const { size } = fs.statSync(file);
  res.writeHead(200, {
    'content-type': type,
    'content-length': size,
    'cache-control': cacheControl,
    ...SECURITY_HEADERS,
  });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file).pipe(res);
}
