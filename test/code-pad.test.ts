// The shared code pad over two real instances: two Yjs documents edited at
// once, one through each instance, converge to the text the server stores;
// plus who may edit when, the limits, and a late joiner's full state.
import * as Y from 'yjs';
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startServer, testEnv, type TestServer } from './support/server.js';

const Pad = graphql(`
  query CpPad($id: ID!) {
    codePad(interviewId: $id) {
      interviewId
      language
      text
      state
      version
      updatedAt
    }
  }
`);
const Update = graphql(`
  mutation CpUpdate($id: ID!, $update: String!, $language: String) {
    updateCodePad(interviewId: $id, update: $update, language: $language) {
      language
      text
      version
    }
  }
`);
const Watch = graphql(`
  subscription CpWatch($id: ID!) {
    codePad(interviewId: $id) {
      update
      version
      by {
        id
      }
      at
    }
  }
`);
const Start = graphql(`
  mutation CpStart($id: ID!) {
    startInterview(interviewId: $id) {
      id
    }
  }
`);
const End = graphql(`
  mutation CpEnd($id: ID!) {
    endInterview(interviewId: $id) {
      id
    }
  }
`);

let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let admin: TestUser;
const sockets: WsConnection[] = [];
let nextHour = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = testEnv(db, { ADMIN_EMAILS: 'cp-admin@example.com', WAITING_ROOM_OPENS_MINUTES: String(30 * 24 * 60) });
  [a, b] = await Promise.all([
    startServer({ ...env, INSTANCE_NAME: 'a' }),
    startServer({ ...env, INSTANCE_NAME: 'b' }),
  ]);
  admin = await registerAdmin(a.url, db.url, 'cp-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await Promise.all([a.app.stop(), b.app.stop()]);
  await db.drop();
});

async function socket(server: TestServer, user: TestUser) {
  const c = connectWs(server.wsUrl, user.token);
  sockets.push(c);
  return admitted(c);
}

async function interview(started = true) {
  const x = await registerUser(a.url);
  const y = await registerUser(a.url);
  const { interviewId } = await matchPair(a.url, admin, x, y, { startsInMinutes: 5 + 60 * nextHour++ });
  if (started) await ok(a.url, Start, { id: interviewId }, { token: x.token });
  return { x, y, interviewId };
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

/** A Yjs document bound to the pad through one instance: local edits are sent, remote ones applied. */
async function boundDoc(server: TestServer, user: TestUser, interviewId: string) {
  const doc = new Y.Doc();
  const sub = subscribe(await socket(server, user), Watch, { id: interviewId });
  let sending = Promise.resolve();
  const errors: unknown[] = [];
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === 'remote') return;
    sending = sending.then(() =>
      ok(server.url, Update, { id: interviewId, update: b64(update) }, { token: user.token }).then(
        () => undefined,
        (err: unknown) => void errors.push(err),
      ),
    );
  });
  let seen = 0;
  return {
    doc,
    text: () => doc.getText('code').toJSON(),
    flushed: () => sending,
    errors,
    /** Applies relayed updates until the pad's version `version` has arrived. */
    async receiveUntil(version: number) {
      while (seen < version) {
        const r = await sub.next(10_000);
        expect(r.errors).toBeUndefined();
        Y.applyUpdate(doc, Buffer.from(r.data!.codePad.update, 'base64'), 'remote');
        seen = Math.max(seen, r.data!.codePad.version);
      }
    },
  };
}

it('two documents edited concurrently through two instances converge to the text the server stores', async () => {
  const { x, y, interviewId } = await interview();
  const docX = await boundDoc(a, x, interviewId);
  const docY = await boundDoc(b, y, interviewId);
  // Both subscriptions are live before the first edit: a round trip through each instance.
  await ok(a.url, Pad, { id: interviewId }, { token: x.token });
  await ok(b.url, Pad, { id: interviewId }, { token: y.token });

  const edits = 25;
  const typeInto = async (d: Awaited<ReturnType<typeof boundDoc>>, tag: string) => {
    for (let n = 0; n < edits; n++) {
      const text = d.doc.getText('code');
      // At the start or the end by turns, so edits interleave with the other side's without splitting a token.
      text.insert(n % 2 ? text.length : 0, `<${tag}${n}>`);
      if (n % 5 === 4) await d.flushed();
    }
    await d.flushed();
  };
  await Promise.all([typeInto(docX, 'x'), typeInto(docY, 'y')]);
  expect(docX.errors).toEqual([]);
  expect(docY.errors).toEqual([]);
  await Promise.all([docX.receiveUntil(2 * edits), docY.receiveUntil(2 * edits)]);

  const stored = (await ok(b.url, Pad, { id: interviewId }, { token: y.token })).codePad;
  expect(stored.version).toBe(2 * edits);
  expect(docX.text()).toBe(stored.text);
  expect(docY.text()).toBe(stored.text);
  for (let n = 0; n < edits; n++) {
    expect(stored.text).toContain(`<x${n}>`);
    expect(stored.text).toContain(`<y${n}>`);
  }
  // A late joiner applies the stored state and has the same text.
  const late = new Y.Doc();
  Y.applyUpdate(late, Buffer.from(stored.state, 'base64'));
  expect(late.getText('code').toJSON()).toBe(stored.text);
  // The stored state is what a restart reads: the same text from the table through the other instance.
  const row = await db.query<{ text: string }>(`SELECT text FROM "CodePad" WHERE "interviewId" = $1`, [interviewId]);
  expect(row[0]!.text).toBe(stored.text);
});

it('participants only; editable only while IN_PROGRESS, readable afterwards', async () => {
  const { x, y, interviewId } = await interview(false);
  const stranger = await registerUser(a.url);
  const doc = new Y.Doc();
  doc.getText('code').insert(0, 'print(1)');
  const update = b64(Y.encodeStateAsUpdate(doc));

  expect(codes(await gql(a.url, Pad, { id: interviewId }, { token: stranger.token }))).toEqual(['NOT_FOUND']);
  expect(codes(await gql(a.url, Update, { id: interviewId, update }, { token: stranger.token }))).toEqual([
    'NOT_FOUND',
  ]);
  expect(codes(await gql(a.url, Pad, { id: interviewId }, { token: admin.token }))).toEqual(['FORBIDDEN']);
  const refused = subscribe(await socket(a, stranger), Watch, { id: interviewId });
  expect((await refused.next()).errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

  expect((await ok(a.url, Pad, { id: interviewId }, { token: x.token })).codePad).toMatchObject({
    text: '',
    version: 0,
    language: 'plaintext',
  });
  expect(codes(await gql(a.url, Update, { id: interviewId, update }, { token: x.token }))).toEqual(['CONFLICT']);
  await ok(a.url, Start, { id: interviewId }, { token: x.token });
  const saved = (await ok(b.url, Update, { id: interviewId, update, language: 'Python' }, { token: y.token }))
    .updateCodePad;
  expect(saved).toEqual({ language: 'python', text: 'print(1)', version: 1 });
  await ok(a.url, End, { id: interviewId }, { token: x.token });
  expect(codes(await gql(a.url, Update, { id: interviewId, update }, { token: x.token }))).toEqual(['CONFLICT']);
  expect((await ok(a.url, Pad, { id: interviewId }, { token: x.token })).codePad).toMatchObject({
    text: 'print(1)',
    version: 1,
    language: 'python',
  });
});

it('refuses malformed and oversized updates and bad languages, and rate-limits updates', async () => {
  const { x, interviewId } = await interview();
  const bad = (update: string, language?: string) =>
    gql(a.url, Update, { id: interviewId, update, language }, { token: x.token }).then(codes);
  expect(await bad('not base64!')).toEqual(['BAD_USER_INPUT']);
  expect(await bad(b64(new Uint8Array([255, 255, 255, 255, 1, 2, 3])))).toEqual(['BAD_USER_INPUT']);
  const big = new Y.Doc();
  big.getText('code').insert(0, 'x'.repeat(70_000));
  expect(await bad(b64(Y.encodeStateAsUpdate(big)))).toEqual(['BAD_USER_INPUT']);
  const small = new Y.Doc();
  small.getText('code').insert(0, 'ok');
  expect(await bad(b64(Y.encodeStateAsUpdate(small)), 'no spaces allowed')).toEqual(['BAD_USER_INPUT']);
  // The refusals left the pad untouched.
  expect((await ok(a.url, Pad, { id: interviewId }, { token: x.token })).codePad.version).toBe(0);
});

it('rate-limits updates per user across instances', async () => {
  const { x, interviewId } = await interview();
  // 120 per 10 s, one count shared by the instances: 20 real updates through both, and the
  // rest of the budget spent on the shared limiter directly, so a slow machine cannot outlast the window.
  const doc = new Y.Doc();
  const send = (server: TestServer) => {
    const before = Y.encodeStateVector(doc);
    doc.getText('code').insert(0, 'a');
    return gql(
      server.url,
      Update,
      { id: interviewId, update: b64(Y.encodeStateAsUpdate(doc, before)) },
      { token: x.token },
    );
  };
  for (let n = 0; n < 20; n++) expect(codes(await send(n % 2 ? a : b))).toEqual([]);
  await b.app.infra.limiter.rule('codepad', { limit: 120, windowMs: 10_000 }).consume(x.id, 100);
  const refused = await send(a);
  expect(codes(refused)).toEqual(['RATE_LIMITED']);
  expect(refused.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
});
