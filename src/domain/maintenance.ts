// Maintenance mode's rules: what stays allowed, and how much of a span of
// time was spent in maintenance (which the timeout jobs do not count
// against users).

/** Mutations that keep working during maintenance: signing in and out, and switching it off. */
export const ALLOWED_DURING_MAINTENANCE: ReadonlySet<string> = new Set([
  'login',
  'refreshSession',
  'logout',
  'setMaintenance',
]);

export const DEFAULT_MAINTENANCE_MESSAGE = 'MockMate is under maintenance. Please try again in a few minutes.';

export interface MaintenanceState {
  enabled: boolean;
  message: string | null;
  since: Date | null;
}

export interface Window {
  startedAt: Date;
  /** null while it lasts. */
  endedAt: Date | null;
}

/** Milliseconds of [from, to) that fell inside maintenance windows (an open window lasts until `to`). */
export function pausedMs(windows: readonly Window[], from: Date, to: Date): number {
  let total = 0;
  for (const w of windows) {
    const start = Math.max(w.startedAt.getTime(), from.getTime());
    const end = Math.min((w.endedAt ?? to).getTime(), to.getTime());
    if (end > start) total += end - start;
  }
  return total;
}

/**
 * The clock a deadline counting from `from` is checked against: `now` minus the maintenance
 * time since `from`. A no-show deadline 5 minutes after the start, with 10 minutes of
 * maintenance in between, falls 15 minutes after the start.
 */
export function clockExcludingMaintenance(windows: readonly Window[], from: Date, now: Date): Date {
  return new Date(now.getTime() - pausedMs(windows, from, now));
}
