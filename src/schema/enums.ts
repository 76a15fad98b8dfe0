import { EVENT_TYPES, type EventType } from '../domain/events.js';
import {
  BookingStatus,
  Difficulty,
  InterviewStatus,
  InterviewType,
  ParticipantRole,
} from '../generated/prisma/enums.js';
import { builder } from './builder.js';

export const InterviewTypeEnum = builder.enumType(InterviewType, { name: 'InterviewType' });
export const DifficultyEnum = builder.enumType(Difficulty, {
  name: 'Difficulty',
  description: 'Ordered: EASY < MEDIUM < HARD.',
});
export const BookingStatusEnum = builder.enumType(BookingStatus, { name: 'BookingStatus' });
export const InterviewStatusEnum = builder.enumType(InterviewStatus, { name: 'InterviewStatus' });
export const ParticipantRoleEnum = builder.enumType(ParticipantRole, { name: 'ParticipantRole' });
const EVENT_TYPE_DESCRIPTIONS: Partial<Record<EventType, string>> = {
  SERVER_SHUTDOWN:
    'The instance serving this subscription is stopping: the last event of `events`, `interviewSession` and `waitingRoom` there ' +
    'before the socket closes with 1001. Never stored. Reconnect and resubscribe; in `events` its `id` is the last id that stream ' +
    'delivered, so `events(after: id)` resumes exactly. Payload `{ reconnect: true }`.',
  MAINTENANCE_MODE:
    'Maintenance mode was switched on or off (`Query.maintenance`): to every open `events` subscription on every instance. Never ' +
    'stored; its `id` is the last id that stream delivered. Payload `{ enabled, message, since }`.',
  SLOT_REMINDER:
    'A booked slot starts in REMINDER_MINUTES (default 15); stored, once per booking. Payload `{ slotId, bookingId, startsAt, endsAt, ' +
    'type, minutesBefore }`; `UserEvent.slot` is the slot.',
  INSTANT_REQUEST_CANCELLED:
    'The requester withdrew an instant interview request; to both users. Payload `{ requestId, byUserId }`.',
};

export const EventTypeEnum = builder.enumType('EventType', {
  values: Object.fromEntries(EVENT_TYPES.map((t) => [t, { description: EVENT_TYPE_DESCRIPTIONS[t] }])) as Record<
    EventType,
    { description?: string }
  >,
});
