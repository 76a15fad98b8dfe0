// What every resolver receives. `services` is built once per app; the rest once
// per HTTP request or WebSocket subscription. The rule (README, "Where things
// live"): resolvers read through Pothos-planned queries on `db`, which is typed
// read-only, or through services; every write goes through a service. The
// plumbing under the services (pub/sub, rate limiter, presence registry,
// configuration) is not in the context.
import type { PubSubEngine } from 'graphql-subscriptions';
import type { DevOutbox } from './services/dev-outbox.js';
import type { Config } from './config.js';
import type { Db, ReadDb, Sql } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import type { Presence } from './infra/presence.js';
import type { RateLimiter } from './infra/rate-limit.js';
import type { Accounts, AuthFailure, Viewer } from './services/accounts.js';
import type { UserRows } from './services/user-rows.js';
import type { Bookings } from './services/bookings.js';
import type { Events } from './services/events.js';
import type { Matching } from './services/matching.js';
import type { Interviews } from './services/interviews.js';
import type { Chat } from './services/chat.js';
import type { UserPresence } from './services/presence.js';
import type { InstantInterviews } from './services/instant-interviews.js';
import type { RealtimeStats } from './services/realtime-stats.js';
import type { Loaders } from './schema/loaders.js';
import type { Questions } from './services/questions.js';
import type { CodePad } from './services/code-pad.js';
import type { Reports } from './services/reports.js';
import type { Maintenance } from './services/maintenance.js';
import type { Notifications } from './services/notifications.js';
import type { Profiles } from './services/profiles.js';
import type { Reminders } from './services/reminders.js';

export interface Services {
  accounts: Accounts;
  users: UserRows;
  events: Events;
  bookings: Bookings;
  matching: Matching;
  interviews: Interviews;
  chat: Chat;
  userPresence: UserPresence;
  instant: InstantInterviews;
  realtimeStats: RealtimeStats;
  questions: Questions;
  codePad: CodePad;
  reports: Reports;
  maintenance: Maintenance;
  notifications: Notifications;
  reminders: Reminders;
  profiles: Profiles;
  devOutbox: DevOutbox;
}

/** The plumbing under the services: for the server itself, jobs, tests and benchmarks, never for resolvers. */
export interface Infra {
  config: Config;
  db: Db;
  sql: Sql;
  log: Logger;
  pubsub: PubSubEngine;
  limiter: RateLimiter;
  /** Low-level cross-instance membership (sockets, session watchers). */
  presence: Presence;
}

export interface Context {
  services: Services;
  /** For Pothos-planned reads only (`{ ...query, where }`); read methods only, so writes cannot bypass the services. */
  db: ReadDb;
  viewer: Viewer | null;
  /** Set when a token was presented but rejected, so errors can say why. */
  authFailure: AuthFailure | null;
  requestId: string;
  ip: string;
  loaders: Loaders;
}

/** Reads `Bearer <token>`; anything else counts as no token. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

export async function resolveViewer(
  services: Services,
  authorization: unknown,
): Promise<Pick<Context, 'viewer' | 'authFailure'>> {
  const token = bearerToken(authorization);
  if (!token) return { viewer: null, authFailure: null };
  const outcome = await services.accounts.authenticate(token);
  return 'viewer' in outcome
    ? { viewer: outcome.viewer, authFailure: null }
    : { viewer: null, authFailure: outcome.failure };
}
