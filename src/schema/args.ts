// Shared argument rules, so every id and page size is checked the same way.
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import { z } from 'zod';
import { isUuid } from '../domain/ids.js';

/** Ids are UUIDs (domain/ids.ts); anything else is a client error, not a lookup. */
export const uuid = z.string().refine(isUuid, 'must be a valid id');

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
