// Shared argument rules, so every id and page size is checked the same way.
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import { z } from 'zod';

/** Ids are UUIDs; anything else is a client error, not a lookup. */
export const uuid = z.uuid({ error: 'must be a valid id' });

export const pageSize = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');

/** A cursor of a Prisma connection keyed by id: one that does not decode to a UUID never reaches the database. */
const idCursor = z.string().refine((cursor) => {
  try {
    return uuid.safeParse(parsePrismaCursor(cursor)).success;
  } catch {
    return false;
  }
}, 'must be a cursor received from this connection');

/** Pothos checks these itself, but with errors that are not the client's (INTERNAL_SERVER_ERROR). */
export const prismaConnectionArgs = z.object({
  first: z.number().int().min(0, 'must not be negative').nullish(),
  last: z.number().int().min(0, 'must not be negative').nullish(),
  after: idCursor.nullish(),
  before: idCursor.nullish(),
});
