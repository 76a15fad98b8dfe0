// Who is calling, as far as limits and browsers are concerned: the client's
// address (behind a trusted proxy, from X-Forwarded-For) and which browser
// origins may call the API (CORS_ORIGINS), over HTTP and WebSocket alike.
import type { IncomingMessage } from 'node:http';
import type { YogaServerOptions } from 'graphql-yoga';
import type { Config } from '../config.js';

export function clientIp(req: IncomingMessage | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req?.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req?.socket.remoteAddress ?? 'unknown';
}

type CorsOption = NonNullable<YogaServerOptions<Record<string, unknown>, Record<string, unknown>>['cors']>;

/** Yoga's CORS: listed origins get headers (with credentials), any origin when '*' (without); others none. */
export function corsFor(allowed: Config['corsOrigins']): CorsOption {
  return (request: Request) => {
    if (allowed === '*') return { origin: '*', credentials: false };
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? { origin: [origin], credentials: true } : false;
  };
}

/**
 * Whether a WebSocket upgrade may proceed: no Origin (servers, scripts), an allowed
 * origin, or the API's own origin (GraphiQL and the web app it serves).
 */
export function upgradeOriginAllowed(allowed: Config['corsOrigins'], req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed === '*' || allowed.has(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
