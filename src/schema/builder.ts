import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import type { Context } from '../context.js';
import type { Db } from '../infra/db.js';
import { AppError, forbidden, unauthenticated } from '../domain/errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  prisma: {
    // Read-only for resolvers; Pothos itself only reads through it (relations, connections).
    client: (ctx) => ctx.db as Db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({ signedIn: ctx.viewer !== null, admin: ctx.viewer?.role === 'ADMIN' }),
    // Signed out (or a dead token) is UNAUTHENTICATED; signed in but not allowed is FORBIDDEN.
    unauthorizedError: (_parent, ctx) => {
      if (ctx.viewer) return forbidden();
      if (ctx.authFailure === 'expired') return unauthenticated('Your access token has expired; refresh the session.');
      if (ctx.authFailure) return unauthenticated('Your session is no longer valid; sign in again.');
      return unauthenticated();
    },
  },
  validation: {
    validationError: (result) => {
      const issue = result.issues[0];
      const path = issue?.path?.map((p) => (typeof p === 'object' ? p.key : p)).join('.') ?? 'input';
      return new AppError('BAD_USER_INPUT', `${path}: ${issue?.message ?? 'is invalid'}`, { field: path });
    },
  },
});

// Dates outside these bounds are a client's mistake (year 0000, 9999-12-31 plus a default range),
// not something to hand to Date arithmetic and PostgreSQL.
const DATE_TIME_MIN = new Date('1970-01-01T00:00:00Z');
const DATE_TIME_MAX = new Date('2100-01-01T00:00:00Z');
const inDateRange = (d: Date) => {
  if (d >= DATE_TIME_MIN && d < DATE_TIME_MAX) return d;
  throw new GraphQLError(
    `DateTime must be from ${DATE_TIME_MIN.toISOString()} up to (not including) ${DATE_TIME_MAX.toISOString()}.`,
  );
};
builder.addScalarType(
  'DateTime',
  new GraphQLScalarType({
    ...DateTimeResolver.toConfig(),
    parseValue: (value) => inDateRange(DateTimeResolver.parseValue(value)),
    parseLiteral: (ast, variables) => inDateRange(DateTimeResolver.parseLiteral(ast, variables)),
  }),
);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
