// Every event of API.md's EventType, declared once. The GraphQL enum, the
// stored Event rows, the pub/sub channels and the typed payloads all derive
// from this module.

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
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Pub/sub channel names. Only this module spells them. */
export const channels = {
  /** Stored events of one user, published after the transaction that wrote them commits. */
  user: (userId: string) => `user:${userId}`,
  /** Sessions revoked (logout, password reset): every instance closes their sockets. */
  sessionsRevoked: 'system:sessions-revoked',
} as const;

export interface SessionsRevokedMessage {
  sessionIds: string[];
}
