import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
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

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
