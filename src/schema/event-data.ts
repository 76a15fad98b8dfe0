// `EventData`: the typed payload of UserEvent and SessionEvent, one `…Data`
// object type per payload shape of src/domain/events.ts.
//
// To give a new event type its data: add its shape to EventPayloads
// (src/domain/events.ts), then one entry to DATA_BY_EVENT below (a new `…Data`
// ref beside it if no existing shape fits). The union's members, the
// resolveType and the clients' possible types all follow from that table.
//
// A field name has one type in every member (hence the nullable `reason` and
// `byUserId`): GraphQL refuses one selection set covering members whose
// same-named fields differ, and clients select all members at once.
import type { EventPayloads, EventType } from '../domain/events.js';
import { builder } from './builder.js';
import { DifficultyEnum, InterviewTypeEnum, ParticipantRoleEnum } from './enums.js';
import { AvailabilityEnum } from './user.js';

/** Set on a payload by `eventData` so the union can tell its member without the event around it. */
const DATA_TYPE = Symbol('EventData type');
type Tagged<T> = T & { [DATA_TYPE]?: string };

const MatchedData = builder.objectRef<Tagged<EventPayloads['MATCHED']>>('MatchedData').implement({
  description: 'MATCHED: the viewer was paired; `role` is theirs.',
  fields: (t) => ({
    slotId: t.exposeID('slotId'),
    peerId: t.exposeID('peerId'),
    role: t.expose('role', { type: ParticipantRoleEnum }),
  }),
});

// The session copy names who did not show up instead of who cancelled.
type MatchCancelledShape = Omit<EventPayloads['MATCH_CANCELLED'], 'byUserId'> & {
  byUserId?: string | null;
  noShowUserIds?: string[];
};
const MatchCancelledData = builder.objectRef<Tagged<MatchCancelledShape>>('MatchCancelledData').implement({
  description: 'MATCH_CANCELLED.',
  fields: (t) => ({
    slotId: t.exposeID('slotId'),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'For humans in `events`; `no-show` or `not-started` in `interviewSession`.',
    }),
    byUserId: t.id({
      nullable: true,
      description: 'Who cancelled; null when the server did.',
      resolve: (d) => d.byUserId ?? null,
    }),
    noShowUserIds: t.idList({
      description: 'Who did not show up (session events only; empty otherwise).',
      resolve: (d) => d.noShowUserIds ?? [],
    }),
  }),
});

const SessionStartedData = builder.objectRef<Tagged<EventPayloads['SESSION_STARTED']>>('SessionStartedData').implement({
  description: 'SESSION_STARTED.',
  fields: (t) => ({ startedAt: t.expose('startedAt', { type: 'DateTime' }) }),
});

const SessionEndedData = builder.objectRef<Tagged<EventPayloads['SESSION_ENDED']>>('SessionEndedData').implement({
  description: 'SESSION_ENDED.',
  fields: (t) => ({
    endedAt: t.expose('endedAt', { type: 'DateTime' }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

const RoleAssignment = builder.objectRef<EventPayloads['ROLES_SWAPPED']['roles'][number]>('RoleAssignment').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    role: t.expose('role', { type: ParticipantRoleEnum }),
  }),
});

const RolesSwappedData = builder.objectRef<Tagged<EventPayloads['ROLES_SWAPPED']>>('RolesSwappedData').implement({
  description: "ROLES_SWAPPED: everyone's role after the swap.",
  fields: (t) => ({ roles: t.field({ type: [RoleAssignment], resolve: (d) => d.roles }) }),
});

const UserData = builder.objectRef<Tagged<{ userId: string }>>('UserData').implement({
  description: 'PEER_JOINED, PEER_LEFT, TYPING_STARTED, USER_ONLINE, USER_OFFLINE: the user it is about.',
  fields: (t) => ({ userId: t.exposeID('userId') }),
});

const TypingStoppedData = builder.objectRef<Tagged<EventPayloads['TYPING_STOPPED']>>('TypingStoppedData').implement({
  description: 'TYPING_STOPPED.',
  fields: (t) => ({
    userId: t.exposeID('userId'),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'STOPPED (setTyping false), SENT (they sent a message) or TIMEOUT (no setTyping true for 5 s).',
    }),
  }),
});

const FeedbackReceivedData = builder
  .objectRef<Tagged<EventPayloads['FEEDBACK_RECEIVED']>>('FeedbackReceivedData')
  .implement({
    description: 'FEEDBACK_RECEIVED: the feedback is readable under `interview.feedback` once visible.',
    fields: (t) => ({
      feedbackId: t.exposeID('feedbackId'),
      fromUserId: t.exposeID('fromUserId'),
    }),
  });

type MessageShape = EventPayloads['MESSAGE_SENT'] & { editedAt?: string; deletedAt?: string };
const MessageData = builder.objectRef<Tagged<MessageShape>>('MessageData').implement({
  description:
    "MESSAGE_SENT, MESSAGE_EDITED, MESSAGE_DELETED. Ids only: the event's `message` field has the message as it is now.",
  fields: (t) => ({
    messageId: t.exposeID('messageId'),
    senderId: t.exposeID('senderId'),
    editedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'MESSAGE_EDITED only.',
      resolve: (d) => d.editedAt ?? null,
    }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'MESSAGE_DELETED only.',
      resolve: (d) => d.deletedAt ?? null,
    }),
  }),
});

const MessagesReadData = builder.objectRef<Tagged<EventPayloads['MESSAGES_READ']>>('MessagesReadData').implement({
  description: 'MESSAGES_READ: `userId` has read everything up to `upToMessageId`.',
  fields: (t) => ({
    userId: t.exposeID('userId'),
    upToMessageId: t.exposeID('upToMessageId'),
    readAt: t.expose('readAt', { type: 'DateTime' }),
  }),
});

const InstantRequestReceivedData = builder
  .objectRef<Tagged<EventPayloads['INSTANT_REQUEST_RECEIVED']>>('InstantRequestReceivedData')
  .implement({
    description: 'INSTANT_REQUEST_RECEIVED: what a ringing UI needs without a query.',
    fields: (t) => ({
      requestId: t.exposeID('requestId'),
      fromUserId: t.exposeID('fromUserId'),
      type: t.expose('type', { type: InterviewTypeEnum }),
      difficulty: t.expose('difficulty', { type: DifficultyEnum }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    }),
  });

const InstantRequestAnsweredData = builder
  .objectRef<Tagged<EventPayloads['INSTANT_REQUEST_ACCEPTED'] & { reason?: string | null }>>(
    'InstantRequestAnsweredData',
  )
  .implement({
    description: "INSTANT_REQUEST_ACCEPTED (the event's `interview` is the one created) and INSTANT_REQUEST_REJECTED.",
    fields: (t) => ({
      requestId: t.exposeID('requestId'),
      byUserId: t.exposeID('byUserId', { nullable: true }),
      reason: t.string({
        nullable: true,
        description: 'Why it was rejected, if they said.',
        resolve: (d) => d.reason ?? null,
      }),
    }),
  });

const InstantRequestExpiredData = builder
  .objectRef<Tagged<EventPayloads['INSTANT_REQUEST_EXPIRED']>>('InstantRequestExpiredData')
  .implement({
    description: 'INSTANT_REQUEST_EXPIRED.',
    fields: (t) => ({ requestId: t.exposeID('requestId') }),
  });

const AvailabilityData = builder
  .objectRef<Tagged<EventPayloads['AVAILABILITY_CHANGED']>>('AvailabilityData')
  .implement({
    description: 'AVAILABILITY_CHANGED.',
    fields: (t) => ({
      userId: t.exposeID('userId'),
      availability: t.expose('availability', { type: AvailabilityEnum }),
    }),
  });

const ServerShutdownData = builder.objectRef<Tagged<EventPayloads['SERVER_SHUTDOWN']>>('ServerShutdownData').implement({
  description: 'SERVER_SHUTDOWN: reconnect (another instance answers) and resubscribe.',
  fields: (t) => ({ reconnect: t.exposeBoolean('reconnect') }),
});

const InstantRequestCancelledData = builder
  .objectRef<Tagged<EventPayloads['INSTANT_REQUEST_CANCELLED']>>('InstantRequestCancelledData')
  .implement({
    description: 'INSTANT_REQUEST_CANCELLED: the requester withdrew the request.',
    fields: (t) => ({ requestId: t.exposeID('requestId'), byUserId: t.exposeID('byUserId', { nullable: true }) }),
  });

const SlotReminderData = builder.objectRef<Tagged<EventPayloads['SLOT_REMINDER']>>('SlotReminderData').implement({
  description: "SLOT_REMINDER: a booked slot starts in `minutesBefore` minutes (the event's `slot` has it in full).",
  fields: (t) => ({
    slotId: t.exposeID('slotId'),
    bookingId: t.exposeID('bookingId'),
    startsAt: t.field({ type: 'DateTime', resolve: (d) => new Date(d.startsAt) }),
    endsAt: t.field({ type: 'DateTime', resolve: (d) => new Date(d.endsAt) }),
    type: t.expose('type', { type: InterviewTypeEnum }),
    minutesBefore: t.exposeInt('minutesBefore'),
  }),
});

const MaintenanceModeData = builder
  .objectRef<Tagged<EventPayloads['MAINTENANCE_MODE']>>('MaintenanceModeData')
  .implement({
    description:
      'MAINTENANCE_MODE (live only): maintenance was switched on or off; mutations fail with MAINTENANCE while it is on.',
    fields: (t) => ({
      enabled: t.exposeBoolean('enabled'),
      message: t.exposeString('message', { nullable: true }),
      since: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.since ? new Date(d.since) : null) }),
    }),
  });

const ReportStartedData = builder.objectRef<Tagged<EventPayloads['REPORT_STARTED']>>('ReportStartedData').implement({
  description: 'REPORT_STARTED: a run of the report began (`attempt` counts runs, a takeover included).',
  fields: (t) => ({ reportId: t.exposeID('reportId'), attempt: t.exposeInt('attempt') }),
});

const ReportProgressData = builder.objectRef<Tagged<EventPayloads['REPORT_PROGRESS']>>('ReportProgressData').implement({
  description: 'REPORT_PROGRESS: `progress` (0–100) after a finished step; it never goes back for one report.',
  fields: (t) => ({
    reportId: t.exposeID('reportId'),
    progress: t.exposeInt('progress'),
    step: t.exposeString('step'),
  }),
});

const ReportCompletedData = builder
  .objectRef<Tagged<EventPayloads['REPORT_COMPLETED']>>('ReportCompletedData')
  .implement({
    description: 'REPORT_COMPLETED: the report is ready (`myReports` has its summary and download link).',
    fields: (t) => ({ reportId: t.exposeID('reportId') }),
  });

const ReportFailedData = builder.objectRef<Tagged<EventPayloads['REPORT_FAILED']>>('ReportFailedData').implement({
  description: 'REPORT_FAILED.',
  fields: (t) => ({ reportId: t.exposeID('reportId'), reason: t.exposeString('reason', { nullable: true }) }),
});

/**
 * Which `…Data` type each event's payload is. The one place to add an event
 * type's data: TypeScript requires an entry for every shape in EventPayloads.
 */
const DATA_BY_EVENT = {
  MATCHED: MatchedData,
  MATCH_CANCELLED: MatchCancelledData,
  SESSION_STARTED: SessionStartedData,
  SESSION_ENDED: SessionEndedData,
  ROLES_SWAPPED: RolesSwappedData,
  PEER_JOINED: UserData,
  PEER_LEFT: UserData,
  FEEDBACK_RECEIVED: FeedbackReceivedData,
  MESSAGE_SENT: MessageData,
  MESSAGE_EDITED: MessageData,
  MESSAGE_DELETED: MessageData,
  MESSAGES_READ: MessagesReadData,
  TYPING_STARTED: UserData,
  TYPING_STOPPED: TypingStoppedData,
  INSTANT_REQUEST_RECEIVED: InstantRequestReceivedData,
  INSTANT_REQUEST_ACCEPTED: InstantRequestAnsweredData,
  INSTANT_REQUEST_REJECTED: InstantRequestAnsweredData,
  INSTANT_REQUEST_EXPIRED: InstantRequestExpiredData,
  AVAILABILITY_CHANGED: AvailabilityData,
  USER_ONLINE: UserData,
  USER_OFFLINE: UserData,
  REPORT_STARTED: ReportStartedData,
  REPORT_PROGRESS: ReportProgressData,
  REPORT_COMPLETED: ReportCompletedData,
  REPORT_FAILED: ReportFailedData,
  SERVER_SHUTDOWN: ServerShutdownData,
  INSTANT_REQUEST_CANCELLED: InstantRequestCancelledData,
  SLOT_REMINDER: SlotReminderData,
  MAINTENANCE_MODE: MaintenanceModeData,
} satisfies { [K in keyof EventPayloads]: { name: string } };

const dataTypeOf: Partial<Record<EventType, { name: string }>> = DATA_BY_EVENT;

export const EventDataUnion = builder.unionType('EventData', {
  description:
    "An event's typed payload: one `…Data` type per shape (several event types may share one). Null for events that carry nothing.",
  types: [...new Set(Object.values(DATA_BY_EVENT))],
  resolveType: (data) => (data as Tagged<object>)[DATA_TYPE]!,
});

/** The `data` of an event: its payload, tagged with its `…Data` type; null when the type carries nothing. */
export function eventData(type: EventType, payload: Record<string, unknown>) {
  const ref = dataTypeOf[type];
  return ref ? ({ ...payload, [DATA_TYPE]: ref.name } as never) : null;
}

export const PAYLOAD_DEPRECATION = 'Untyped; use `data`, whose `…Data` types have the same fields.';
