// GET or POST /unsubscribe?token=…: the one-click unsubscribe link of every
// email (and its List-Unsubscribe header, which mail clients POST to per
// RFC 8058). No sign-in: the signed token says who and what. It only ever
// turns an email off, so a link scanner fetching it can do no harm beyond
// that, and settings turn it back on. A web app at APP_URL can instead call
// the `unsubscribe(token)` mutation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from './context.js';
import type { Logger } from './infra/logger.js';

const WHAT = { reminders: 'reminder emails', offline: 'emails while you are offline' } as const;

function page(res: ServerResponse, status: number, title: string, text: string) {
  const body = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32em; margin: 3em auto; line-height: 1.5"><h1>${title}</h1><p>${text}</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

export async function serveUnsubscribe(req: IncomingMessage, res: ServerResponse, services: Services, log: Logger) {
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST' });
    return res.end();
  }
  req.resume(); // a one-click POST carries "List-Unsubscribe=One-Click"; the token is in the URL
  if (services.maintenance.current().enabled) {
    res.setHeader('retry-after', '300');
    return page(
      res,
      503,
      'Try again later',
      'MockMate is under maintenance right now. Open the link again in a few minutes.',
    );
  }
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
  const done = await services.notifications.unsubscribe(token).catch((err: unknown) => {
    log.error({ err }, 'unsubscribe failed');
    return undefined;
  });
  if (done === undefined) return page(res, 500, 'Something went wrong', 'Please open the link again in a moment.');
  if (done === null)
    return page(
      res,
      400,
      'Link not valid',
      'This unsubscribe link is not valid. Change your email settings in MockMate instead.',
    );
  return page(
    res,
    200,
    'Unsubscribed',
    `You will no longer get ${WHAT[done.kind]} from MockMate. You can turn them back on in your settings.`,
  );
}
