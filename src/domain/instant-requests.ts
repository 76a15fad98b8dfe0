// Instant interviews (the "call" flow) as pure rules: who may be asked, who may
// act on a request and when, the outgoing-request limit, the instant slot.
// The service asks these under its row locks, so every path refuses the same
// things with the same words.

export const INSTANT_REQUEST_STATUSES = ['PENDING', 'ACCEPTED', 'REJECTED', 'CANCELLED', 'EXPIRED'] as const;
export type InstantRequestStatus = (typeof INSTANT_REQUEST_STATUSES)[number];
export type Availability = 'AVAILABLE' | 'BUSY' | 'OFFLINE';

/** An unanswered request expires this long after it was made. */
export const INSTANT_REQUEST_TTL_MS = 60_000;
/** At most this many requests made by one user… */
export const OUTGOING_LIMIT = 5;
/** …within a window of this length (counted by the rate limiter, from the first request). */
export const OUTGOING_WINDOW_MS = 10 * 60_000;
/** An accepted request's interview gets a slot of its own, starting at acceptance, this long. */
export const INSTANT_INTERVIEW_MINUTES = 60;
export const REJECT_REASON_MAX = 500;

/** Machine-readable reason beside the human message (extensions.reason of the CONFLICT). */
export type PeerRefusalCode = 'SELF' | 'OFFLINE' | 'BUSY' | 'IN_INTERVIEW';

export interface PeerState {
  isSelf: boolean;
  /** At least one open signed-in socket on any instance. */
  online: boolean;
  availability: Availability;
  /** In an interview right now (IN_PROGRESS, or SCHEDULED with its slot under way). */
  inInterview: boolean;
}

/** Why this peer cannot be asked for an instant interview now; null when they can. */
export function peerRefusal(peer: PeerState): { code: PeerRefusalCode; message: string } | null {
  if (peer.isSelf) return { code: 'SELF', message: 'You cannot request an instant interview with yourself.' };
  if (!peer.online) return { code: 'OFFLINE', message: 'This user is offline (not connected).' };
  if (peer.availability === 'OFFLINE') return { code: 'OFFLINE', message: 'This user has set themselves offline.' };
  if (peer.availability === 'BUSY') return { code: 'BUSY', message: 'This user is busy.' };
  if (peer.inInterview) return { code: 'BUSY', message: 'This user is busy: they are in an interview right now.' };
  return null;
}

/** Whether a request with this status can still be answered at `now`. */
export const isLive = (r: { status: InstantRequestStatus; expiresAt: Date }, now: Date): boolean =>
  r.status === 'PENDING' && r.expiresAt.getTime() > now.getTime();

/** What a client sees: a PENDING request past its expiry is EXPIRED even before the job has marked it. */
export const effectiveStatus = (
  r: { status: InstantRequestStatus; expiresAt: Date },
  now: Date,
): InstantRequestStatus => (r.status === 'PENDING' && !isLive(r, now) ? 'EXPIRED' : r.status);

export type RequestAction = 'respond' | 'cancel';

export type ActionCheck = { ok: true } | { ok: false; code: 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT'; message: string };

/**
 * May `viewerId` respond to (the addressee) or cancel (the requester) this
 * request at `now`? The other party gets FORBIDDEN; anyone else NOT_FOUND and
 * learns nothing about the request's state.
 */
export function checkAction(
  r: { status: InstantRequestStatus; expiresAt: Date; requesterId: string; addresseeId: string },
  viewerId: string,
  action: RequestAction,
  now: Date,
): ActionCheck {
  const actor = action === 'respond' ? r.addresseeId : r.requesterId;
  const other = action === 'respond' ? r.requesterId : r.addresseeId;
  if (viewerId !== actor && viewerId !== other)
    return { ok: false, code: 'NOT_FOUND', message: 'Instant request not found.' };
  if (viewerId !== actor) {
    return {
      ok: false,
      code: 'FORBIDDEN',
      message:
        action === 'respond'
          ? 'Only the user asked can respond to this request.'
          : 'Only the user who asked can cancel this request.',
    };
  }
  if (r.status !== 'PENDING')
    return { ok: false, code: 'CONFLICT', message: `This request is already ${r.status.toLowerCase()}.` };
  if (!isLive(r, now)) return { ok: false, code: 'CONFLICT', message: 'This request has expired.' };
  return { ok: true };
}

/** The reject reason as stored: trimmed, empty means none; too long is refused. */
export function rejectReason(
  reason: string | null | undefined,
): { ok: true; value: string | null } | { ok: false; message: string } {
  const value = reason?.trim() ?? '';
  if (value.length > REJECT_REASON_MAX)
    return { ok: false, message: `must be at most ${REJECT_REASON_MAX} characters.` };
  return { ok: true, value: value === '' ? null : value };
}

/** The slot of an accepted request's interview: starts at acceptance, lasts INSTANT_INTERVIEW_MINUTES. */
export function instantSlot(acceptedAt: Date): { startsAt: Date; endsAt: Date } {
  return { startsAt: acceptedAt, endsAt: new Date(acceptedAt.getTime() + INSTANT_INTERVIEW_MINUTES * 60_000) };
}

/** The requester asked to practise this type at this difficulty: the peer interviews them first (swapRoles trades). */
export const instantRoles = { requester: 'INTERVIEWEE', addressee: 'INTERVIEWER' } as const;
