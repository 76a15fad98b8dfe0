// Every event of the contract's EventType (docs/api.md), declared once. The GraphQL enum, the
// stored Event rows, the pub/sub channels and the typed payloads all derive
// from this module.
import type { ParticipantRole } from './interview-state.js';
import type { Difficulty } from './matching.js';

export const EVENT_TYPES = [
  'JOIN_ROOM',
  'LEAVE_ROOM',
  'MATCHED',
  'MATCH_CANCELLED',
  'SESSION_STARTED',
  'SESSION_ENDED',
  'ROLES_SWAPPED',
  'PEER_JOINED',
  'PEER_LEFT',
  'FEEDBACK_RECEIVED',
  'MESSAGE_SENT',
  'MESSAGE_EDITED',
  'MESSAGE_DELETED',
  'MESSAGES_READ',
  'TYPING_STARTED',
  'TYPING_STOPPED',
  'INSTANT_REQUEST_RECEIVED',
  'INSTANT_REQUEST_ACCEPTED',
  'INSTANT_REQUEST_REJECTED',
  'INSTANT_REQUEST_EXPIRED',
  'AVAILABILITY_CHANGED',
  'USER_ONLINE',
  'USER_OFFLINE',
  'REPORT_STARTED',
  'REPORT_PROGRESS',
  'REPORT_COMPLETED',
  'REPORT_FAILED',
  'SERVER_SHUTDOWN',
  'MAINTENANCE_MODE',
  'SLOT_REMINDER',
  'INSTANT_REQUEST_CANCELLED',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface RoomCounts {
  waitingCount: number;
  byDifficulty: { difficulty: Difficulty; count: number }[];
}

/**
 * The payload each event type carries in the stored stream. Types not listed
 * carry an empty object. `interviewId` travels beside the payload, not in it.
 * A shape added here gets its GraphQL `…Data` type in one place: DATA_BY_EVENT
 * in src/schema/event-data.ts (TypeScript asks for the entry).
 */
export interface EventPayloads {
  MATCHED: { slotId: string; peerId: string; role: ParticipantRole };
  MATCH_CANCELLED: { slotId: string; reason: string; byUserId: string | null };
  SESSION_STARTED: { startedAt: string };
  SESSION_ENDED: { endedAt: string; reason: string };
  ROLES_SWAPPED: { roles: { userId: string; role: ParticipantRole }[] };
  PEER_JOINED: { userId: string };
  PEER_LEFT: { userId: string };
  FEEDBACK_RECEIVED: { feedbackId: string; fromUserId: string };
  // Chat events carry ids, never the text: a stored event must not keep a body its author deleted.
  MESSAGE_SENT: { messageId: string; senderId: string };
  MESSAGE_EDITED: { messageId: string; senderId: string; editedAt: string };
  MESSAGE_DELETED: { messageId: string; senderId: string; deletedAt: string };
  MESSAGES_READ: { userId: string; upToMessageId: string; readAt: string };
  TYPING_STARTED: { userId: string };
  /** `reason`: STOPPED (setTyping false), SENT (they sent a message) or TIMEOUT (no setTyping true for 5 s). */
  TYPING_STOPPED: { userId: string; reason: 'STOPPED' | 'SENT' | 'TIMEOUT' };
  /** What a ringing UI needs without a query; `expiresAt` is ISO. */
  INSTANT_REQUEST_RECEIVED: {
    requestId: string;
    fromUserId: string;
    type: 'BEHAVIORAL' | 'TECHNICAL';
    difficulty: Difficulty;
    expiresAt: string;
  };
  /** The event's `interview` is the interview created. */
  INSTANT_REQUEST_ACCEPTED: { requestId: string; byUserId: string };
  INSTANT_REQUEST_REJECTED: { requestId: string; byUserId: string; reason: string | null };
  INSTANT_REQUEST_EXPIRED: { requestId: string };
  /** The requester withdrew before an answer: to both (the addressee's UI stops ringing). */
  INSTANT_REQUEST_CANCELLED: { requestId: string; byUserId: string };
  /** REMINDER_MINUTES before a booked slot; times are ISO (UTC). */
  SLOT_REMINDER: {
    slotId: string;
    bookingId: string;
    startsAt: string;
    endsAt: string;
    type: 'BEHAVIORAL' | 'TECHNICAL';
    minutesBefore: number;
  };
  AVAILABILITY_CHANGED: { userId: string; availability: 'AVAILABLE' | 'BUSY' | 'OFFLINE' };
  USER_ONLINE: { userId: string };
  USER_OFFLINE: { userId: string };
  /** A practice report was taken up by a runner (again, after a runner died: `attempt` > 1). */
  REPORT_STARTED: { reportId: string; attempt: number };
  /** `progress` 0–100 after a finished step of the report; never decreases for one report. */
  REPORT_PROGRESS: { reportId: string; progress: number; step: string };
  REPORT_COMPLETED: { reportId: string };
  REPORT_FAILED: { reportId: string; reason: string };
  /** Instance-local and never stored: this instance is stopping; reconnect (another one answers) and resubscribe. */
  SERVER_SHUTDOWN: { reconnect: boolean };
  /** Live-only and never stored, to every open `events` stream on every instance when maintenance is switched on or off. */
  MAINTENANCE_MODE: { enabled: boolean; message: string | null; since: string | null };
}

export type EventPayload<T extends EventType> = T extends keyof EventPayloads
  ? EventPayloads[T]
  : Record<string, never>;

/** An event to record for one user: written with the state change, published after commit. */
export type UserEventInput = {
  [T in EventType]: { userId: string; type: T; interviewId?: string | null; payload: EventPayload<T> };
}[EventType];

/** A stored user event as it travels over pub/sub and out to clients. */
export interface UserEventMessage {
  userId: string;
  /** The per-user cursor, as a decimal string (it is a BIGINT). */
  seq: string;
  type: EventType;
  at: string;
  interviewId: string | null;
  payload: Record<string, unknown>;
}

export const ROOM_EVENT_TYPES = ['JOIN_ROOM', 'LEAVE_ROOM', 'MATCHED'] as const satisfies readonly EventType[];
export type RoomEventType = (typeof ROOM_EVENT_TYPES)[number];

/** Room-wide (not per-user, not stored): fresh counts after each change, or the last counts with SERVER_SHUTDOWN. */
export interface RoomEventMessage extends RoomCounts {
  type: RoomEventType | 'SERVER_SHUTDOWN';
  slotId: string;
  at: string;
}

/** Events of one interview session, to whoever watches it (both participants). Not stored here: the user copies are. */
export interface SessionEventMessage {
  type: EventType;
  interviewId: string;
  /** Who caused it, when a user did. */
  actorId: string | null;
  at: string;
  payload: Record<string, unknown>;
}

/** Pub/sub channel names. Only this module spells them. */
export const channels = {
  /** Stored events of one user, published after the transaction that wrote them commits. */
  user: (userId: string) => `user:${userId}`,
  /** Waiting-room counts of one slot. */
  room: (slotId: string) => `room:${slotId}`,
  /** The live session of one interview. */
  session: (interviewId: string) => `session:${interviewId}`,
  /** Accepted updates of one interview's code pad. */
  codePad: (interviewId: string) => `codepad:${interviewId}`,
  /** Sessions revoked (logout, password reset): every instance closes their sockets. */
  sessionsRevoked: 'system:sessions-revoked',
  /** User rows changed (profile, preferences, availability, role): every instance drops its copies. */
  usersChanged: 'system:users-changed',
  /** Someone's presence, availability, interview types or interview status changed: `availablePeers` streams re-read. */
  peers: 'system:peers',
  /** Maintenance switched on or off: every instance refreshes its state and tells its `events` streams. */
  maintenance: 'system:maintenance',
} as const;

export interface SessionsRevokedMessage {
  sessionIds: string[];
}

export interface UsersChangedMessage {
  userIds: string[];
}

/** An update the server merged into an interview's code pad, relayed to every watcher on any instance. */
export interface CodePadEventMessage {
  interviewId: string;
  /** The Yjs update as received, base64. */
  update: string;
  version: number;
  byUserId: string;
  at: string;
}
