// Maintenance mode: an admin (or MAINTENANCE=true at boot) opens a
// maintenance window; while one is open, mutations other than
// login/refreshSession/logout/setMaintenance fail with MAINTENANCE (yoga.ts).
//
// The database is the truth (MaintenanceWindow, so the switch survives
// restarts). Each instance keeps the state in memory for the per-request
// check: a switch is announced on `system:maintenance`, on which every
// instance reloads at once, and each also reloads every second, so a missed
// announcement costs at most that. Whenever the state an instance holds
// changes, it sends MAINTENANCE_MODE down every open `events` stream of its own.
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import { channels } from '../domain/events.js';
import { DEFAULT_MAINTENANCE_MESSAGE, type MaintenanceState, type Window } from '../domain/maintenance.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';

const RELOAD_EVERY_MS = 1_000;
/** Windows older than this cannot move any deadline the jobs still check. */
const WINDOW_LOOKBACK_MS = 7 * 86_400_000;

const OFF: MaintenanceState = { enabled: false, message: null, since: null };
const same = (a: MaintenanceState, b: MaintenanceState) =>
  a.enabled === b.enabled && a.message === b.message && a.since?.getTime() === b.since?.getTime();

export function createMaintenance({
  db,
  pubsub,
  events,
  config,
  log,
}: {
  db: Db;
  pubsub: PubSubEngine;
  events: Events;
  config: Config;
  log: Logger;
}) {
  let state: MaintenanceState = OFF;
  let timer: NodeJS.Timeout | null = null;
  let subId: number | null = null;
  // Reloads run one after another, so an older read never overwrites a newer one.
  let reloading: Promise<void> = Promise.resolve();

  async function read(): Promise<MaintenanceState> {
    const open = await db.maintenanceWindow.findFirst({ where: { endedAt: null }, orderBy: { startedAt: 'asc' } });
    return open ? { enabled: true, message: open.message, since: open.startedAt } : OFF;
  }

  function apply(next: MaintenanceState) {
    if (same(state, next)) return;
    state = next;
    const streams = events.announceLive('MAINTENANCE_MODE', {
      enabled: next.enabled,
      message: next.message,
      since: next.since?.toISOString() ?? null,
    });
    log.info({ enabled: next.enabled, message: next.message, streams }, 'maintenance mode changed');
  }

  function reload(): Promise<void> {
    reloading = reloading.then(
      () => read().then(apply),
      () => read().then(apply),
    );
    return reloading;
  }

  /** Opens or closes the window under one advisory lock, so two admins switching at once leave one window. */
  async function write(enabled: boolean, message: string | null, byUserId: string | null, now = new Date()) {
    await db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended('maintenance', 0))) AS l`;
      const open = await tx.maintenanceWindow.findFirst({ where: { endedAt: null } });
      if (enabled) {
        if (open) await tx.maintenanceWindow.update({ where: { id: open.id }, data: { message } });
        else await tx.maintenanceWindow.create({ data: { startedAt: now, message, startedById: byUserId } });
        return;
      }
      if (!open) return;
      await tx.maintenanceWindow.update({ where: { id: open.id }, data: { endedAt: now } });
      // Instant requests could not be answered meanwhile: they get the time back.
      await tx.$executeRaw`
        UPDATE "InstantRequest"
        SET "expiresAt" = "expiresAt" + (${now}::timestamptz - GREATEST("createdAt", ${open.startedAt}::timestamptz))
        WHERE status = 'PENDING' AND "expiresAt" > ${open.startedAt}`;
    });
    await pubsub.publish(channels.maintenance, { at: now.toISOString() }).catch((err: unknown) => {
      log.warn({ err }, 'could not announce the maintenance switch; other instances see it within a second');
    });
    await reload();
  }

  return {
    /** Loads the state and applies MAINTENANCE=true: before the first request. */
    async load() {
      state = await read();
      if (config.maintenanceAtBoot && !state.enabled) {
        await write(true, config.maintenanceMessage, null);
        log.warn('MAINTENANCE=true: maintenance mode switched on at boot');
      }
    },

    /** Follows switches made elsewhere (announcements, and a reload every second). */
    async follow() {
      subId = await pubsub.subscribe(channels.maintenance, () => void reload().catch(() => {}), {});
      timer = setInterval(
        () => void reload().catch((err: unknown) => log.debug({ err }, 'maintenance state reload failed')),
        RELOAD_EVERY_MS,
      );
      timer.unref();
    },

    close() {
      if (timer) clearInterval(timer);
      if (subId !== null) pubsub.unsubscribe(subId);
    },

    /** As this instance knows it: at most a second behind a switch made elsewhere. */
    current(): MaintenanceState {
      return state;
    },

    async set(viewer: Viewer, enabled: boolean, message: string | null | undefined): Promise<MaintenanceState> {
      await write(enabled, enabled ? message?.trim() || null : null, viewer.id);
      return state;
    },

    /** The refusal of a mutation while maintenance is on. */
    refusal(): AppError {
      const message = state.message ?? DEFAULT_MAINTENANCE_MESSAGE;
      return new AppError('MAINTENANCE', message, {
        since: state.since?.toISOString() ?? null,
        maintenanceMessage: state.message,
      });
    },

    /** Maintenance windows that may still move a deadline, for the jobs that do not count them against users. */
    async recentWindows(now = new Date()): Promise<Window[]> {
      return db.maintenanceWindow.findMany({
        where: { OR: [{ endedAt: null }, { endedAt: { gt: new Date(now.getTime() - WINDOW_LOOKBACK_MS) } }] },
        select: { startedAt: true, endedAt: true },
        orderBy: { startedAt: 'asc' },
      });
    },
  };
}

export type Maintenance = ReturnType<typeof createMaintenance>;
