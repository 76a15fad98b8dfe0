// Pure time rules for slots and their waiting rooms.

export const SLOT_DURATION_MIN = 15;
export const SLOT_DURATION_MAX = 240;

export const slotEnd = (startsAt: Date, durationMinutes: number) =>
  new Date(startsAt.getTime() + durationMinutes * 60_000);

export const isWholeMinute = (d: Date) => d.getTime() % 60_000 === 0;

/** The room opens `opensMinutes` before the slot starts and closes when it ends. */
export function roomWindow(slot: { startsAt: Date; endsAt: Date }, opensMinutes: number) {
  return { opensAt: new Date(slot.startsAt.getTime() - opensMinutes * 60_000), closesAt: slot.endsAt };
}

export function isRoomOpen(slot: { startsAt: Date; endsAt: Date }, opensMinutes: number, now: Date): boolean {
  const { opensAt, closesAt } = roomWindow(slot, opensMinutes);
  return now >= opensAt && now < closesAt;
}

export const overlaps = (a: { startsAt: Date; endsAt: Date }, b: { startsAt: Date; endsAt: Date }) =>
  a.startsAt < b.endsAt && b.startsAt < a.endsAt;

export interface PlannerGrid {
  /** First start of the day, hours UTC. */
  fromHour: number;
  /** Starts are strictly before this hour, UTC. */
  toHour: number;
  everyHours: number;
  durationMinutes: number;
  daysAhead: number;
  types: readonly string[];
}

export const DEFAULT_GRID: PlannerGrid = {
  fromHour: 8,
  toHour: 22,
  everyHours: 2,
  durationMinutes: 60,
  daysAhead: 7,
  types: ['BEHAVIORAL', 'TECHNICAL'],
};

/** Every slot the grid wants from `now` to `daysAhead` days later, each with a stable key. */
export function plannedSlots(grid: PlannerGrid, now: Date) {
  const out: { key: string; type: string; startsAt: Date; endsAt: Date }[] = [];
  const day0 = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const horizon = now.getTime() + grid.daysAhead * 86_400_000;
  for (let day = day0; day <= horizon; day += 86_400_000) {
    for (let h = grid.fromHour; h < grid.toHour; h += grid.everyHours) {
      const startsAt = new Date(day + h * 3_600_000);
      if (startsAt <= now || startsAt.getTime() > horizon) continue;
      for (const type of grid.types) {
        out.push({
          key: `${type}@${startsAt.toISOString()}`,
          type,
          startsAt,
          endsAt: slotEnd(startsAt, grid.durationMinutes),
        });
      }
    }
  }
  return out;
}

/** Starts of the development planner's slots fall on this grid, so repeated runs agree on them. */
const SOON_STEP_MS = 5 * 60_000;
export const SOON_SLOT_MINUTES = 30;

/**
 * Development: for each type, the slot starting at the first 5-minute mark at least a minute
 * away, when that is within `withinMinutes`, so someone who signs up now can book one and be
 * matched before long.
 */
export function soonSlots(types: readonly string[], now: Date, withinMinutes: number) {
  const startsAt = new Date(Math.ceil((now.getTime() + 60_000) / SOON_STEP_MS) * SOON_STEP_MS);
  if (withinMinutes <= 0 || startsAt.getTime() - now.getTime() > withinMinutes * 60_000) return [];
  return types.map((type) => ({
    key: `soon:${type}@${startsAt.toISOString()}`,
    type,
    startsAt,
    endsAt: slotEnd(startsAt, SOON_SLOT_MINUTES),
  }));
}
