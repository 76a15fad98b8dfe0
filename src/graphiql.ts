// GraphiQL at GET /graphql, served entirely from our dependencies
// (@graphql-yoga/render-graphiql bundles GraphiQL, React and Monaco): the page
// loads its script, style and editor workers from /graphiql/*, never a CDN.
//
// Signed in: the Headers pane's `Authorization` goes out as an HTTP header, and
// over the socket GraphiQL puts it in each subscribe message's
// `extensions.headers`, which the WebSocket server honours per operation
// (src/realtime/ws-server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  css,
  editorWorkerService,
  favicon,
  graphqlWorker,
  js,
  jsonWorker,
} from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

const { version } = createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string };

export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

const faviconMatch = /^data:([^;]+);base64,(.*)$/.exec(favicon);
const assets: Record<string, { type: string; body: Buffer }> = {
  'graphiql.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(js) },
  'graphiql.css': { type: 'text/css; charset=utf-8', body: Buffer.from(css) },
  'editor.worker.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(editorWorkerService) },
  'json.worker.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(jsonWorker) },
  'graphql.worker.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(graphqlWorker) },
  ...(faviconMatch ? { 'favicon.ico': { type: faviconMatch[1]!, body: Buffer.from(faviconMatch[2]!, 'base64') } } : {}),
};

const asset = (name: string) => `${GRAPHIQL_ASSETS_PATH}${name}?v=${version}`;

/** Serves /graphiql/<asset>; false when the path is not one. Versioned URLs, so browsers keep them for a year. */
export function serveGraphiQLAsset(path: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (!path.startsWith(GRAPHIQL_ASSETS_PATH)) return false;
  const found = assets[path.slice(GRAPHIQL_ASSETS_PATH.length)];
  if (!found || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return true;
  }
  res.writeHead(200, {
    'content-type': found.type,
    'content-length': found.body.length,
    'cache-control': 'public, max-age=31536000, immutable',
  });
  res.end(req.method === 'HEAD' ? undefined : found.body);
  return true;
}

/** The tab GraphiQL opens with: how to sign in, then run signed-in operations and a subscription. */
export const DEFAULT_QUERY = `# Welcome to the MockMate API.
#
# 1. Sign in: run SignIn (or Register), and copy the \`token\` from the result.
# 2. Open the Headers pane below and paste, with your token:
#      {"Authorization": "Bearer <token>"}
#    Queries, mutations and subscriptions then run as you (over the
#    WebSocket too: the server reads the header from each operation).
# 3. Run Me, then MyEvents: your events stream in live, typed by \`data\`.
#
# The Docs pane (top left) lists every operation.

mutation SignIn {
  login(input: { email: "alice@mockmate.local", password: "mockmate-dev" }) {
    token
    refreshToken
    user { id name }
  }
}

mutation Register {
  register(input: { email: "you@example.com", password: "a long password", name: "You" }) {
    token
    refreshToken
    user { id name }
  }
}

query Me {
  me { id name email role availability }
}

subscription MyEvents {
  events {
    id
    type
    at
    interview { id status }
    data {
      __typename
      ... on MatchedData { peerId role }
      ... on MessageData { messageId senderId }
      ... on AvailabilityData { userId availability }
    }
  }
}
`;

/** JSON for inside a <script>: `<` escaped so no string can close the tag. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderGraphiQL(opts: GraphiQLOptions): string {
  const title = (opts.title ?? 'GraphiQL').replace(/[<&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const workers = {
    editorWorkerService: asset('editor.worker.js'),
    json: asset('json.worker.js'),
    graphql: asset('graphql.worker.js'),
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${asset('favicon.ico')}" />
    <link rel="stylesheet" href="${asset('graphiql.css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${asset('graphiql.js')}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(opts)});
    </script>
  </body>
</html>`;
}
