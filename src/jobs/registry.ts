// Every scheduled job in one place: its name, how often, and the service call
// it makes. Services know nothing of the scheduler; the job's work is theirs.
import type { Config } from '../config.js';
import type { Services } from '../context.js';
import type { EmailSender } from '../services/email-outbox.js';
import { pausedDuringMaintenance } from './maintenance-pause.js';
import type { JobDefinition } from './scheduler.js';

export function scheduledJobs(services: Services, config: Config, emails: EmailSender | null): JobDefinition[] {
  const { matching, bookings, events, interviews, instant, userPresence, reports, maintenance, reminders } = services;
  return [
    // Jobs that decide against users skip their runs during maintenance (README, "Maintenance mode"), and the
    // timeout ones leave its time out of their deadlines afterwards.
    ...pausedDuringMaintenance(maintenance, [
      { name: 'match-waiting-rooms', every: config.matchInterval, run: () => matching.pairOpenRooms() },
      {
        name: 'expire-bookings',
        every: '1 minute',
        run: async () => bookings.expireEndedBookings(new Date(), await maintenance.recentWindows()),
      },
      { name: 'interview-timeouts', every: '30 seconds', run: () => interviews.runTimeouts() },
      { name: 'expire-instant-requests', every: '5 seconds', run: () => instant.expireDue() },
    ]),
    { name: 'plan-slots', every: '1 hour', run: () => bookings.planSlots(config.planner) },
    // Development only (PLANNER_SOON_MINUTES): a slot about to start, so a newcomer is matched within minutes.
    ...(config.plannerSoonMinutes > 0
      ? [
          {
            name: 'plan-soon-slots',
            every: '1 minute',
            run: () => bookings.planSoonSlots(config.planner.types, config.plannerSoonMinutes),
          },
        ]
      : []),
    { name: 'prune-events', every: '1 day', run: () => events.prune(config.eventRetentionDays) },
    // Twice per TTL: a killed instance's users are announced offline, and its session watchers gone, within 1.5 TTL of its last refresh.
    {
      name: 'sweep-presence',
      every: `${Math.max(1, Math.round(config.presenceTtlMs / 2000))} seconds`,
      run: async () => ({
        offline: await userPresence.sweepStale(),
        watchersGone: await interviews.sweepStaleWatchers(),
      }),
    },
    { name: 'send-reminders', every: '30 seconds', run: () => reminders.sendDue() },
    // Takes over reports whose runner died; new ones start at once where they were requested.
    { name: 'build-reports', every: '10 seconds', run: () => reports.runPending() },
    ...(emails ? [{ name: 'send-emails', every: '15 seconds', run: () => emails.sendDue() }] : []),
  ];
}
