// Child process: the bench:http baseline. A bare graphql-yoga server (no
// auth, no armor, no logging, no masking) on plain node:http with
//   { hello }                      — answers a constant;
//   book(slotId, userId, difficulty) — the Prisma write bookSlot ends with
//                                    (booking.upsert on (slotId, userId)),
//                                    through the same client (src/infra/db.ts:
//                                    @prisma/adapter-pg, pool of 10).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Difficulty } from '../src/generated/prisma/client.js';
import { createDb } from '../src/infra/db.js';
import { announceFatal, announceReady, serveParent } from './support.js';

const db = createDb(process.env['DATABASE_URL']!);
const yoga = createYoga({
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  logging: false,
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        hello: String!
      }
      type Booking {
        id: ID!
        status: String!
      }
      type Mutation {
        book(slotId: ID!, userId: ID!, difficulty: String!): Booking!
      }
    `,
    resolvers: {
      Query: { hello: () => 'world' },
      Mutation: {
        book: (_root: unknown, a: { slotId: string; userId: string; difficulty: Difficulty }) =>
          db.booking.upsert({
            where: { slotId_userId: { slotId: a.slotId, userId: a.userId } },
            create: { slotId: a.slotId, userId: a.userId, difficulty: a.difficulty },
            update: { difficulty: a.difficulty, status: 'BOOKED', joinedAt: null, interviewId: null },
          }),
      },
    },
  }),
});
const server = createServer((req, res) => void yoga(req, res));
serveParent({}, async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await db.$disconnect();
});

try {
  await db.$queryRaw`SELECT 1`;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  announceReady({ port: (server.address() as AddressInfo).port });
} catch (err) {
  announceFatal(err);
}
