// The user rows `me` answers from: read once per instance, then kept until the row changes. Every service
// that writes a user row calls changed() after its transaction commits; that drops the row here at once
// and, through channels.usersChanged, on every other instance as the announcement arrives (as session
// revocations do). The TTL bounds what a missed announcement could cost; none is trusted while missed.
import type { PubSubEngine } from 'graphql-subscriptions';
import { channels, type UsersChangedMessage } from '../domain/events.js';
import type { User } from '../generated/prisma/client.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createFollowedCache } from './session-cache.js';

/** A user row without what no reader of it needs: the password hash, and the event cursor every event bumps. */
export type UserRow = Omit<User, 'passwordHash' | 'eventSeq'>;

/** The columns of a UserRow (test/user-rows.test.ts checks they are every other column of User). */
export const USER_ROW_COLUMNS = [
  'id',
  'email',
  'name',
  'role',
  'emailVerifiedAt',
  'availability',
  'createdAt',
  'updatedAt',
  'timezone',
  'interviewTypes',
  'level',
  'emailReminders',
  'emailWhenOffline',
] as const satisfies readonly (keyof UserRow)[];

const CACHE = { ttlMs: 30_000, maxEntries: 50_000 };
// pg cannot parse an array of a custom enum: interviewTypes is read as text[].
const SELECT = `SELECT ${USER_ROW_COLUMNS.map((c) => (c === 'interviewTypes' ? `"${c}"::text[] AS "${c}"` : `"${c}"`)).join(', ')} FROM "User" WHERE id = $1`;

export function createUserRows({
  sql,
  pubsub,
  listenEpoch,
  log,
}: {
  sql: Sql;
  pubsub: PubSubEngine;
  /** PubSubHandle.listenEpoch: whether announcements can be relied on right now. */
  listenEpoch: () => number | null;
  log: Logger;
}) {
  const rows = createFollowedCache<UserRow, UsersChangedMessage>({
    ...CACHE,
    listenEpoch,
    pubsub,
    channel: channels.usersChanged,
    idsOf: (m) => m.userIds,
    message: (userIds) => ({ userIds }),
    what: 'user changes',
    log,
  });

  return {
    /** A copy, so that no reader can change what the next one gets. */
    async find(id: string): Promise<UserRow | null> {
      const ticket = rows.ticket();
      const cached = rows.get(id);
      if (cached) return { ...cached };
      // Plain SQL: the per-request path, where Prisma's query compilation would cost more than the query.
      const { rows: found } = await sql.query<UserRow>(SELECT, [id]);
      const row = found[0] ?? null;
      if (row) rows.put(id, { ...row }, ticket);
      return row;
    },

    /** Call after the transaction that changed these users' rows has committed. */
    changed: (userIds: string[]) => rows.announce(userIds),
  };
}

export type UserRows = ReturnType<typeof createUserRows>;
