// urql for MockMate: client/'s createClient does the wiring (see client/README.md);
// this is the whole set-up, with tokens kept in memory (use localStorage in a browser).
import { createClient, MeDocument, type Tokens, type UserEvent } from '../../client/index.js';

export function createUrqlSetup(opts: { url: string; webSocketImpl?: unknown; onEvent: (event: UserEvent) => void }) {
  let tokens: Tokens | null = null;
  const api = createClient({
    url: opts.url,
    tokens: { get: () => tokens, set: (t) => (tokens = t) },
    onAuthLost: () => console.info('signed out: show the sign-in page'),
    webSocketImpl: opts.webSocketImpl,
  });
  let stopEvents = () => {};
  return {
    api,
    /** After login/register: keep the tokens, start the event stream. */
    signedIn(t: Tokens, lastEventId: string | null = null) {
      tokens = t;
      stopEvents = api.subscribeEvents(opts.onEvent, { after: lastEventId });
    },
    me: () => api.urql.query(MeDocument, {}, { requestPolicy: 'network-only' }).toPromise(),
    async dispose() {
      stopEvents();
      await api.dispose();
    },
  };
}
