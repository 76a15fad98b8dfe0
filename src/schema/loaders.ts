// Per-request batch loaders, made with each request's context: a list of slots
// asks for its counts in one query, a list of users for their presence in one
// Redis round trip. Plain DataLoaders rather than @pothos/plugin-dataloader:
// relations already batch through @pothos/plugin-prisma's selections, and what
// is left (a groupBy aggregate, a Redis read) needs a load function of our own
// either way; the plugin would only move where the loader is kept.
import DataLoader from 'dataloader';
import type { Db } from '../infra/db.js';

export interface SlotCounts {
  booked: number;
  waiting: number;
}

interface Presence {
  onlineMany(userIds: readonly string[]): Promise<boolean[]>;
}

export function createLoaders(db: Db, presence: Presence) {
  return {
    /** User.online: one presence round trip per request for however many users it shows. */
    online: new DataLoader<string, boolean>((ids) => presence.onlineMany(ids)),
    slotCounts: new DataLoader<string, SlotCounts>(async (slotIds) => {
      const rows = await db.booking.groupBy({
        by: ['slotId', 'status'],
        where: { slotId: { in: [...slotIds] }, status: { in: ['BOOKED', 'WAITING', 'MATCHED'] } },
        _count: { _all: true },
      });
      return slotIds.map((id) => {
        const mine = rows.filter((r) => r.slotId === id);
        return {
          booked: mine.reduce((n, r) => n + r._count._all, 0),
          waiting: mine.find((r) => r.status === 'WAITING')?._count._all ?? 0,
        };
      });
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
