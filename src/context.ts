// What every resolver receives. `services` is built once per app; the rest once
// per HTTP request or WebSocket subscription.
import type { PubSubEngine } from 'graphql-subscriptions';
import type { DevOutbox } from './services/dev-outbox.js';
import type { Config } from './config.js';
import type { Db } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import type { RateLimiter } from './infra/rate-limit.js';
import type { Accounts, AuthFailure, Viewer } from './services/accounts.js';
import type { Bookings } from './services/bookings.js';
import type { Events } from './services/events.js';
import type { Matching } from './services/matching.js';
import type { Interviews } from './services/interviews.js';
import type { Chat } from './services/chat.js';
import type { UserPresence } from './services/presence.js';
import type { InstantInterviews } from './services/instant-interviews.js';
import type { Presence } from './infra/presence.js';
import type { RealtimeStats } from './services/realtime-stats.js';
import type { Loaders } from './schema/loaders.js';

export interface Services {
  config: Config;
  db: Db;
  log: Logger;
  pubsub: PubSubEngine;
  limiter: RateLimiter;
  accounts: Accounts;
  events: Events;
  bookings: Bookings;
  matching: Matching;
  /** Low-level cross-instance membership (sockets, session watchers). */
  presence: Presence;
  interviews: Interviews;
  chat: Chat;
  userPresence: UserPresence;
  instant: InstantInterviews;
  realtimeStats: RealtimeStats;
  devOutbox: DevOutbox;
}

export interface Context {
  services: Services;
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
  return 'viewer' in outcome ? { viewer: outcome.viewer, authFailure: null } : { viewer: null, authFailure: outcome.failure };
}
