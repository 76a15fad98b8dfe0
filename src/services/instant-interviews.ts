// Instant interviews: ask an available online peer, who accepts or rejects;
// unanswered requests expire.
//
// Locking order, the same on every path so none can deadlock another:
// the request row first (respond, cancel, expire), then user rows in id order
// (lockUsers, then storeUserEvents). Making a request locks both users' rows,
// which serialises everything about that pair: the one-pending-per-pair rule
// and the requester's outgoing budget are checked under those locks.
import { randomUUID } from 'node:crypto';
import { AppError, badInput, conflict, notFound, rateLimited } from '../domain/errors.js';
import {
  INSTANT_REQUEST_TTL_MS,
  OUTGOING_LIMIT,
  OUTGOING_WINDOW_MS,
  checkAction,
  instantRoles,
  instantSlot,
  peerRefusal,
  rejectReason,
  type RequestAction,
} from '../domain/instant-requests.js';
import { Prisma, type Difficulty, type InstantRequest, type InterviewType } from '../generated/prisma/client.js';
import type { Db, Planned, Tx } from '../infra/db.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';
import { assignQuestions } from './questions.js';
import { inInterviewSql, lockUsers, type UserPresence } from './presence.js';

const EXPIRE_BATCH = 500;

type RequestQuery = Planned<Prisma.InstantRequestInclude, Prisma.InstantRequestSelect>;

async function inInterviewNow(tx: Tx, userId: string, now: Date): Promise<boolean> {
  const [row] = await tx.$queryRaw<
    { busy: boolean }[]
  >`SELECT ${inInterviewSql(now, Prisma.sql`${userId}::uuid`)} AS busy`;
  return row?.busy === true;
}

/** Locks the request row (first in the locking order) and reads it; NOT_FOUND when there is none. */
async function lockRequest(tx: Tx, requestId: string): Promise<InstantRequest> {
  const rows = await tx.$queryRaw<
    { id: string }[]
  >`SELECT id FROM "InstantRequest" WHERE id = ${requestId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw notFound('Instant request');
  return tx.instantRequest.findUniqueOrThrow({ where: { id: requestId } });
}

function assertAllowed(request: InstantRequest, viewer: Viewer, action: RequestAction, now: Date) {
  const check = checkAction(request, viewer.id, action, now);
  if (!check.ok) throw new AppError(check.code, check.message);
}

export function createInstantInterviews({
  db,
  events,
  limiter,
  presence,
}: {
  db: Db;
  events: Events;
  limiter: RateLimiter;
  presence: UserPresence;
}) {
  const outgoing = limiter.rule('instant-outgoing', { limit: OUTGOING_LIMIT, windowMs: OUTGOING_WINDOW_MS });
  return {
    /**
     * Asks `peerId` for an instant interview. CONFLICT (with extensions.reason)
     * when the peer is the viewer, offline, not AVAILABLE or in an interview,
     * or when either of the two already asked the other; RATE_LIMITED after
     * OUTGOING_LIMIT requests in OUTGOING_WINDOW_MS.
     */
    async request(
      viewer: Viewer,
      input: { peerId: string; type: InterviewType; difficulty: Difficulty },
      query: RequestQuery = {},
      now = new Date(),
    ) {
      if (input.peerId === viewer.id) {
        const self = peerRefusal({ isSelf: true, online: true, availability: 'AVAILABLE', inInterview: false })!;
        throw conflict(self.message, { reason: self.code });
      }
      const spent = await outgoing.consume(viewer.id);
      if (!spent.ok) {
        throw rateLimited(
          `You may send at most ${OUTGOING_LIMIT} instant interview requests per ${OUTGOING_WINDOW_MS / 60_000} minutes.`,
          spent.retryAfterMs,
        );
      }
      // Only requests that were made count: a refused one gives its place back.
      return events
        .transaction(async (tx, emit) => {
          const users = await lockUsers(tx, [viewer.id, input.peerId]);
          const peer = users.find((u) => u.id === input.peerId);
          if (!peer) throw notFound('User');

          const pending = await tx.instantRequest.findFirst({
            where: {
              status: 'PENDING',
              expiresAt: { gt: now },
              OR: [
                { requesterId: viewer.id, addresseeId: peer.id },
                { requesterId: peer.id, addresseeId: viewer.id },
              ],
            },
            select: { id: true, requesterId: true },
          });
          if (pending) {
            throw conflict(
              pending.requesterId === viewer.id
                ? 'You already have a pending request to this user.'
                : 'This user has already asked you; respond to their request instead.',
              { reason: 'PENDING', requestId: pending.id },
            );
          }

          const refusal = peerRefusal({
            isSelf: false,
            online: await presence.isOnline(peer.id),
            availability: peer.availability,
            inInterview: await inInterviewNow(tx, peer.id, now),
          });
          if (refusal) throw conflict(refusal.message, { reason: refusal.code });

          const created = await tx.instantRequest.create({
            ...query,
            data: {
              requesterId: viewer.id,
              addresseeId: peer.id,
              type: input.type,
              difficulty: input.difficulty,
              createdAt: now,
              expiresAt: new Date(now.getTime() + INSTANT_REQUEST_TTL_MS),
            },
          });
          emit.user({
            userId: peer.id,
            type: 'INSTANT_REQUEST_RECEIVED',
            payload: {
              requestId: created.id,
              fromUserId: viewer.id,
              type: created.type,
              difficulty: created.difficulty,
              expiresAt: created.expiresAt.toISOString(),
            },
          });
          return created;
        })
        .catch(async (err: unknown) => {
          await outgoing.refund(viewer.id);
          throw err;
        });
    },

    /**
     * The addressee answers. Accepting creates the interview at once, on a slot
     * of its own starting now, and tells both; rejecting stores the reason and
     * tells both (the addressee's other devices stop ringing too).
     */
    async respond(
      viewer: Viewer,
      input: { requestId: string; accept: boolean; reason?: string | null },
      query: RequestQuery = {},
      now = new Date(),
    ) {
      const reason = rejectReason(input.reason);
      if (!reason.ok) throw badInput('reason', reason.message);
      return events.transaction(async (tx, emit) => {
        const request = await lockRequest(tx, input.requestId);
        assertAllowed(request, viewer, 'respond', now);
        const both = [request.requesterId, request.addresseeId];

        if (!input.accept) {
          const rejected = await tx.instantRequest.update({
            ...query,
            where: { id: request.id },
            data: { status: 'REJECTED', reason: reason.value, respondedAt: now },
          });
          for (const userId of both) {
            emit.user({
              userId,
              type: 'INSTANT_REQUEST_REJECTED',
              payload: { requestId: request.id, byUserId: viewer.id, reason: reason.value },
            });
          }
          return rejected;
        }

        await lockUsers(tx, both);
        // Either may have accepted another request (or started a booked interview) since this one was made.
        if (await inInterviewNow(tx, request.addresseeId, now))
          throw conflict('You are already in an interview.', { reason: 'IN_INTERVIEW' });
        if (await inInterviewNow(tx, request.requesterId, now)) {
          throw conflict('The requester is already in another interview.', { reason: 'IN_INTERVIEW' });
        }

        const slot = await tx.slot.create({
          data: { ...instantSlot(now), type: request.type, instant: true, createdById: request.requesterId },
        });
        const interviewId = randomUUID();
        await tx.interview.create({
          data: {
            id: interviewId,
            slotId: slot.id,
            type: request.type,
            status: 'SCHEDULED',
            matchedAt: now,
            participants: {
              create: [
                { userId: request.requesterId, role: instantRoles.requester, difficulty: request.difficulty },
                { userId: request.addresseeId, role: instantRoles.addressee, difficulty: request.difficulty },
              ],
            },
          },
        });
        await assignQuestions(tx, [
          {
            id: interviewId,
            type: request.type,
            participants: [request.requesterId, request.addresseeId].map((userId) => ({
              userId,
              difficulty: request.difficulty,
            })),
          },
        ]);
        const accepted = await tx.instantRequest.update({
          ...query,
          where: { id: request.id },
          data: { status: 'ACCEPTED', interviewId, respondedAt: now },
        });
        emit.peers();
        for (const userId of both) {
          emit.user({
            userId,
            type: 'INSTANT_REQUEST_ACCEPTED',
            interviewId,
            payload: { requestId: request.id, byUserId: viewer.id },
          });
        }
        return accepted;
      });
    },

    /** The requester withdraws; both hear INSTANT_REQUEST_CANCELLED (the addressee's UI stops ringing, the requester's other devices too). */
    async cancel(viewer: Viewer, requestId: string, query: RequestQuery = {}, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const request = await lockRequest(tx, requestId);
        assertAllowed(request, viewer, 'cancel', now);
        for (const userId of [request.requesterId, request.addresseeId]) {
          emit.user({
            userId,
            type: 'INSTANT_REQUEST_CANCELLED',
            payload: { requestId: request.id, byUserId: viewer.id },
          });
        }
        return tx.instantRequest.update({
          ...query,
          where: { id: request.id },
          data: { status: 'CANCELLED', respondedAt: now },
        });
      });
    },

    /**
     * Marks PENDING requests past their expiry EXPIRED and tells both users.
     * Safe to run anywhere at once: rows are claimed with SKIP LOCKED, so a
     * request being answered right now is left to that answer (which refuses
     * it as expired) and to the next run.
     */
    async expireDue(now = new Date()): Promise<number> {
      let total = 0;
      for (;;) {
        const expired = await events.transaction(async (tx, emit) => {
          const rows = await tx.$queryRaw<{ id: string; requesterId: string; addresseeId: string }[]>`
            WITH due AS (
              SELECT id FROM "InstantRequest"
              WHERE status = 'PENDING' AND "expiresAt" <= ${now}
              ORDER BY id LIMIT ${EXPIRE_BATCH} FOR UPDATE SKIP LOCKED)
            UPDATE "InstantRequest" r SET status = 'EXPIRED' FROM due WHERE r.id = due.id
            RETURNING r.id, r."requesterId", r."addresseeId"`;
          for (const r of rows) {
            for (const userId of [r.requesterId, r.addresseeId])
              emit.user({ userId, type: 'INSTANT_REQUEST_EXPIRED', payload: { requestId: r.id } });
          }
          return rows.length;
        });
        total += expired;
        if (expired < EXPIRE_BATCH) return total;
      }
    },

    /** The viewer's requests still awaiting an answer, incoming and outgoing, newest first. */
    pendingFor(viewer: Viewer, query: RequestQuery = {}, now = new Date()) {
      return db.instantRequest.findMany({
        ...query,
        where: {
          status: 'PENDING',
          expiresAt: { gt: now },
          OR: [{ requesterId: viewer.id }, { addresseeId: viewer.id }],
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  };
}

export type InstantInterviews = ReturnType<typeof createInstantInterviews>;
