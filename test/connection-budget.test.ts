// A database out of connections answers with a retryable, coded error, not an internal
// one (issue 9, item 18), against a private PostgreSQL with a low max_connections.
import pg from 'pg';
import { graphql } from './generated/gql.js';
import { gql, type GqlResponse } from './support/client.js';
import { matchPair, registerAdmin, registerUser } from './support/fixtures.js';
import { privatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { startServer, testEnv, type TestServer } from './support/server.js';

const Send = graphql(`
  mutation BudgetSend($interviewId: ID!, $body: String!) {
    sendMessage(interviewId: $interviewId, body: $body) {
      id
    }
  }
`);

let db: PrivatePostgres;
let server: TestServer;
const fillers: pg.Client[] = [];
beforeAll(async () => {
  db = await privatePostgres({ max_connections: '12' });
  // A pool larger than the database allows: the burst below asks for more connections than there are.
  server = await startServer(
    testEnv({ url: db.url }, { ADMIN_EMAILS: 'budget-admin@example.com', DB_POOL_SIZE: '40' }),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(fillers.map((c) => c.end().catch(() => {})));
  await server?.app.stop();
  await db?.remove();
}, 60_000);

/** Takes every free connection of the database and keeps it. */
async function exhaustConnections() {
  for (;;) {
    const c = new pg.Client({ connectionString: db.url });
    c.on('error', () => {});
    try {
      await c.connect();
    } catch (err) {
      expect((err as { code?: string }).code).toBe('53300'); // too many clients
      return;
    }
    fillers.push(c);
  }
}

it('a burst of 40 sendMessage on a database with no free connections gets SERVICE_UNAVAILABLE (retryable), never INTERNAL_SERVER_ERROR', async () => {
  const admin = await registerAdmin(server.url, db.url, 'budget-admin@example.com');
  const [a, b] = [await registerUser(server.url), await registerUser(server.url)];
  const { interviewId } = await matchPair(server.url, admin, a, b);
  await exhaustConnections();

  // 20 each: the chat limit (20 per 10 s) is not what this is about.
  const send = (i: number) =>
    gql(server.url, Send, { interviewId, body: `burst ${i}` }, { token: (i % 2 ? a : b).token });
  const results: GqlResponse<unknown>[] = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i)));
  const refused = results.filter((r) => r.errors?.length);
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) {
    expect(r.errors).toEqual([
      expect.objectContaining({
        message: 'The service is temporarily unavailable; retry in a moment.',
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfterSeconds: 1 },
      }),
    ]);
  }

  // Nothing half-written: exactly the messages that succeeded are stored.
  await Promise.all(fillers.splice(0).map((c) => c.end()));
  const sent = results.length - refused.length;
  const check = new pg.Client({ connectionString: db.url });
  await check.connect();
  try {
    const count = async () =>
      Number(
        (
          await check.query<{ n: string }>(`SELECT count(*) AS n FROM "Message" WHERE "interviewId" = $1`, [
            interviewId,
          ])
        ).rows[0]!.n,
      );
    expect(await count()).toBe(sent);
  } finally {
    await check.end();
  }
}, 60_000);
