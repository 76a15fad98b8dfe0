// Per-request batch loaders: a list of slots asks for its counts in one query.
import DataLoader from 'dataloader';
import type { Db } from '../infra/db.js';

export interface SlotCounts {
  booked: number;
  waiting: number;
}

export function createLoaders(db: Db) {
  return {
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
