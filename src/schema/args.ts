// Shared argument rules, so every id and page size is checked the same way.
import { z } from 'zod';

/** Ids are UUIDs; anything else is a client error, not a lookup. */
export const uuid = z.uuid({ error: 'must be a valid id' });

export const pageSize = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');
