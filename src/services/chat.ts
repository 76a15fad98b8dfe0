// Chat inside an interview: messages, edits, soft deletes, read receipts, typing.
//
// Only the interview's participants may chat; anyone else learns nothing
// (NOT_FOUND). Every write takes the interview row FOR SHARE, so a message
// never lands in an interview that a concurrent transaction is cancelling, and
// chat writes never wait on each other. Message events go to the session
// channel (everyone watching) and, for sent/edited/deleted, to the peer's
// stored stream as well. Typing is ephemeral: published, never stored.
import { randomUUID } from 'node:crypto';
import {
  SEND_LIMIT,
  TYPING_LIMIT,
  TYPING_TIMEOUT_MS,
  TypingTimers,
  canWrite,
  checkBody,
  receiptMoves,
} from '../domain/chat.js';
import { badInput, conflict, forbidden, notFound, rateLimited } from '../domain/errors.js';
import type { EventPayload } from '../domain/events.js';
import { isUuid } from '../domain/ids.js';
import { INTERVIEW_STATUSES, type InterviewStatus } from '../domain/interview-state.js';
import { canReadInterview } from '../domain/interview-access.js';
import type { Message, Prisma } from '../generated/prisma/client.js';
import type { Db, Planned, Tx } from '../infra/db.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import type { Viewer } from './accounts.js';
import type { Emitter, Events, SqlEmitter } from './events.js';
import { participantsFor, requireParticipant } from './interviews/participants.js';

type MessageEventType = 'MESSAGE_SENT' | 'MESSAGE_EDITED' | 'MESSAGE_DELETED';

export interface MessagePageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export const MESSAGE_PAGE_DEFAULT = 50;
export const MESSAGE_PAGE_MAX = 100;
type MessageQuery = Planned<Prisma.MessageInclude, Prisma.MessageSelect>;

const chatWords = (what: string) => ({ what, action: 'chat in it' });
/** The statuses whose chat takes messages (canWrite), for the send statement. */
const WRITABLE = INTERVIEW_STATUSES.filter((s) => canWrite(s).ok);
type SendRow = { participants: string[]; status: InterviewStatus | null } & {
  [K in keyof Message]: Message[K] | null;
};
/**
 * $1 interview, $2 sender, $3 body, $4 new id, $5 createdAt, $6 writable statuses. The interview
 * row is locked (and its status read) for participants only; the message is inserted only when
 * the sender takes part and the status is writable. Returns one row either way.
 */
const SEND_SQL = `
  WITH p AS (
    SELECT coalesce(array_agg("userId"), '{}') AS ids FROM "InterviewParticipant" WHERE "interviewId" = $1::uuid),
  i AS (
    SELECT status::text AS status FROM "Interview" t, p
    WHERE t.id = $1::uuid AND $2::uuid = ANY(p.ids) FOR SHARE OF t),
  m AS (
    INSERT INTO "Message" (id, "interviewId", "senderId", body, "createdAt")
    SELECT $4::uuid, $1::uuid, $2::uuid, $3, $5::timestamptz FROM i WHERE i.status = ANY($6::text[])
    RETURNING *)
  SELECT p.ids::text[] AS participants, i.status, m.* FROM p LEFT JOIN i ON true LEFT JOIN m ON true`;

export function createChat({ db, events, limiter }: { db: Db; events: Events; limiter: RateLimiter }) {
  const limits = { send: limiter.rule('chat-send', SEND_LIMIT), typing: limiter.rule('chat-typing', TYPING_LIMIT) };
  const typingKey = (interviewId: string, userId: string) => `${interviewId}:${userId}`;
  const typing = new TypingTimers(TYPING_TIMEOUT_MS, (key) => {
    const [interviewId, userId] = key.split(':') as [string, string];
    void publishTyping(interviewId, userId, 'TIMEOUT');
  });

  /** TYPING_STARTED when `stopped` is null, else TYPING_STOPPED with that reason. */
  function publishTyping(
    interviewId: string,
    userId: string,
    stopped: EventPayload<'TYPING_STOPPED'>['reason'] | null,
  ) {
    if (stopped === null) {
      const payload: EventPayload<'TYPING_STARTED'> = { userId };
      return events.publishSession({ type: 'TYPING_STARTED', interviewId, actorId: userId, payload });
    }
    const payload: EventPayload<'TYPING_STOPPED'> = { userId, reason: stopped };
    return events.publishSession({ type: 'TYPING_STOPPED', interviewId, actorId: userId, payload });
  }

  async function spend(viewer: Viewer, bucket: 'send' | 'typing') {
    const { limit, windowMs } = bucket === 'send' ? SEND_LIMIT : TYPING_LIMIT;
    const spent = await limits[bucket].consume(viewer.id);
    if (!spent.ok) {
      const what = bucket === 'send' ? `${limit} messages` : `${limit} typing updates`;
      throw rateLimited(
        `You may send at most ${what} per ${windowMs / 1000} seconds; wait a moment.`,
        spent.retryAfterMs,
      );
    }
  }

  function requireBody(raw: string): string {
    const checked = checkBody(raw);
    if (!checked.ok) throw badInput('body', checked.reason);
    return checked.body;
  }

  /**
   * The viewer's peers in the interview. Anyone else gets NOT_FOUND (as `what`)
   * and learns nothing; an admin, who may read the interview anyway, FORBIDDEN.
   */
  async function membership(tx: Tx | Db, viewer: Viewer, interviewId: string, what: string) {
    const participants = await requireParticipant(tx, viewer, interviewId, chatWords(what));
    return participants.filter((id) => id !== viewer.id);
  }

  /** Holds the interview FOR SHARE until the transaction ends; a read-only (cancelled) chat is CONFLICT. */
  async function lockWritable(tx: Tx, interviewId: string) {
    const [row] = await tx.$queryRaw<{ status: InterviewStatus }[]>`
      SELECT status::text AS status FROM "Interview" WHERE id = ${interviewId}::uuid FOR SHARE`;
    assertWritable(row?.status);
  }

  function assertWritable(status: InterviewStatus | undefined) {
    if (!status) throw notFound('Interview');
    const allowed = canWrite(status);
    if (!allowed.ok) throw conflict(allowed.reason);
  }

  /** A message the viewer wrote, locked for a change. The peer gets FORBIDDEN; anyone else NOT_FOUND. */
  async function ownMessage(tx: Tx, viewer: Viewer, messageId: string, action: 'edit' | 'delete') {
    const found = await tx.message.findUnique({
      where: { id: messageId },
      select: { interviewId: true, senderId: true },
    });
    if (!found) throw notFound('Message');
    const peers = await membership(tx, viewer, found.interviewId, 'Message');
    if (found.senderId !== viewer.id) throw forbidden(`Only its author may ${action} a message.`);
    await lockWritable(tx, found.interviewId);
    await tx.$queryRaw`SELECT id FROM "Message" WHERE id = ${messageId}::uuid FOR UPDATE`;
    const message = await tx.message.findUniqueOrThrow({ where: { id: messageId } });
    return { message, peers };
  }

  function announce(emit: Emitter | SqlEmitter, type: MessageEventType, message: Message, peers: string[]) {
    const base = { messageId: message.id, senderId: message.senderId };
    const interviewId = message.interviewId;
    const at = (d: Date | null) => (d ?? new Date()).toISOString();
    // One switch so each event type is checked against its declared payload.
    switch (type) {
      case 'MESSAGE_SENT': {
        const payload: EventPayload<'MESSAGE_SENT'> = base;
        emit.session({ type, interviewId, actorId: message.senderId, payload });
        for (const userId of peers) emit.user({ userId, type, interviewId, payload });
        return;
      }
      case 'MESSAGE_EDITED': {
        const payload: EventPayload<'MESSAGE_EDITED'> = { ...base, editedAt: at(message.editedAt) };
        emit.session({ type, interviewId, actorId: message.senderId, payload });
        for (const userId of peers) emit.user({ userId, type, interviewId, payload });
        return;
      }
      case 'MESSAGE_DELETED': {
        const payload: EventPayload<'MESSAGE_DELETED'> = { ...base, deletedAt: at(message.deletedAt) };
        emit.session({ type, interviewId, actorId: message.senderId, payload });
        for (const userId of peers) emit.user({ userId, type, interviewId, payload });
        return;
      }
    }
  }

  async function cursorMessage(interviewId: string, cursor: string, field: 'after' | 'before') {
    const bad = () => badInput(field, 'must be a cursor (message id) from this interview’s messages.');
    if (!isUuid(cursor)) throw bad();
    const m = await db.message.findFirst({ where: { id: cursor, interviewId }, select: { id: true, createdAt: true } });
    if (!m) throw bad();
    return m;
  }

  return {
    /**
     * Plain SQL, the hottest write: one statement reads the participants, holds the interview FOR
     * SHARE (participants only) and inserts the message if both allow it; then the events. Relations
     * the caller selects on the returned row are loaded by Pothos (by id), as for bookSlot.
     */
    async sendMessage(viewer: Viewer, interviewId: string, rawBody: string): Promise<Message> {
      const body = requireBody(rawBody);
      await spend(viewer, 'send');
      const message = await events.sqlTransaction(async (client, emit) => {
        const { rows } = await client.query<SendRow>(SEND_SQL, [
          interviewId,
          viewer.id,
          body,
          randomUUID(),
          new Date(),
          WRITABLE,
        ]);
        const { participants, status, ...created } = rows[0]!;
        const peers = participantsFor(viewer, participants, chatWords('Interview')).filter((id) => id !== viewer.id);
        assertWritable(status ?? undefined);
        announce(emit, 'MESSAGE_SENT', created as Message, peers);
        return created as Message;
      });
      // Sending ends typing; say so only if this instance was timing it (otherwise its own timer will).
      if (typing.stop(typingKey(interviewId, viewer.id))) await publishTyping(interviewId, viewer.id, 'SENT');
      return message;
    },

    /** Author only. An edit to the same text changes nothing and announces nothing. */
    async editMessage(viewer: Viewer, messageId: string, rawBody: string, query: MessageQuery = {}): Promise<Message> {
      const body = requireBody(rawBody);
      await spend(viewer, 'send');
      return events.transaction(async (tx, emit) => {
        const { message, peers } = await ownMessage(tx, viewer, messageId, 'edit');
        if (message.deletedAt) throw conflict('This message was deleted; it can no longer be edited.');
        if (message.body === body) return tx.message.findUniqueOrThrow({ ...query, where: { id: messageId } });
        const updated = await tx.message.update({
          ...query,
          where: { id: messageId },
          data: { body, editedAt: new Date() },
        });
        announce(emit, 'MESSAGE_EDITED', updated, peers);
        return updated;
      });
    },

    /** Author only. Soft delete: the row stays (for order and receipts), its text is gone. Deleting again is harmless. */
    async deleteMessage(viewer: Viewer, messageId: string, query: MessageQuery = {}): Promise<Message> {
      return events.transaction(async (tx, emit) => {
        const { message, peers } = await ownMessage(tx, viewer, messageId, 'delete');
        if (message.deletedAt) return tx.message.findUniqueOrThrow({ ...query, where: { id: messageId } });
        const updated = await tx.message.update({
          ...query,
          where: { id: messageId },
          data: { body: '', deletedAt: new Date() },
        });
        announce(emit, 'MESSAGE_DELETED', updated, peers);
        return updated;
      });
    },

    /**
     * Moves the viewer's read receipt to `upToMessageId`; never backwards.
     * True when it moved (and MESSAGES_READ went out), false when it was already there or later.
     * Allowed in a cancelled interview too: reading is not writing.
     */
    async markMessagesRead(viewer: Viewer, interviewId: string, upToMessageId: string): Promise<boolean> {
      return events.transaction(async (tx, emit) => {
        await membership(tx, viewer, interviewId, 'Interview');
        const target = await tx.message.findFirst({
          where: { id: upToMessageId, interviewId },
          select: { id: true, createdAt: true },
        });
        if (!target) throw notFound('Message');
        const [receipt] = await tx.$queryRaw<{ lastReadMessageId: string | null }[]>`
          SELECT "lastReadMessageId" FROM "InterviewParticipant"
          WHERE "interviewId" = ${interviewId}::uuid AND "userId" = ${viewer.id}::uuid FOR UPDATE`;
        const current = receipt?.lastReadMessageId
          ? await tx.message.findUnique({
              where: { id: receipt.lastReadMessageId },
              select: { id: true, createdAt: true },
            })
          : null;
        if (!receiptMoves(current, target)) return false;
        const readAt = new Date();
        await tx.interviewParticipant.update({
          where: { interviewId_userId: { interviewId, userId: viewer.id } },
          data: { lastReadMessageId: target.id, lastReadAt: readAt },
        });
        const payload: EventPayload<'MESSAGES_READ'> = {
          userId: viewer.id,
          upToMessageId: target.id,
          readAt: readAt.toISOString(),
        };
        emit.session({ type: 'MESSAGES_READ', interviewId, actorId: viewer.id, payload });
        return true;
      });
    },

    /**
     * Ephemeral: published to the session, never stored. Every `true` is
     * announced (so late subscribers and other instances catch up) and
     * (re)starts a 5-second timer on this instance that announces
     * TYPING_STOPPED if no further `true` arrives. `false` always announces
     * TYPING_STOPPED, and may be sent in a cancelled interview.
     */
    async setTyping(viewer: Viewer, interviewId: string, on: boolean): Promise<boolean> {
      await spend(viewer, 'typing');
      const key = typingKey(interviewId, viewer.id);
      await membership(db, viewer, interviewId, 'Interview');
      if (on) {
        const interview = await db.interview.findUnique({ where: { id: interviewId }, select: { status: true } });
        assertWritable(interview?.status);
        typing.start(key);
        await publishTyping(interviewId, viewer.id, null);
      } else {
        typing.stop(key);
        await publishTyping(interviewId, viewer.id, 'STOPPED');
      }
      return true;
    },

    /** May the viewer read this interview's chat? Participants and admins. */
    async canRead(viewer: Viewer, interviewId: string): Promise<boolean> {
      const ps = await db.interviewParticipant.findMany({ where: { interviewId }, select: { userId: true } });
      return canReadInterview(
        viewer,
        ps.map((p) => p.userId),
      );
    },

    /**
     * One page of an interview's messages in chat order (oldest first). Cursors
     * are message ids, so a client may also page on from an id it got in an event.
     * `first`/`after` page forward, `last`/`before` backward (the newest page: `last` alone).
     */
    // Not @pothos/plugin-relay's resolveCursorConnection: cursors are raw message ids (a client pages on
    // from an id it got in an event) and a bad cursor or first+last must be BAD_USER_INPUT, while the
    // helper's own argument errors are not the client's (masked as INTERNAL_SERVER_ERROR, see schema/args.ts).
    async messagePage(interviewId: string, args: MessagePageArgs) {
      if (args.first != null && args.last != null) throw badInput('last', 'pass either first or last, not both.');
      for (const field of ['first', 'last'] as const) {
        const n = args[field];
        if (n != null && (n < 0 || n > MESSAGE_PAGE_MAX))
          throw badInput(field, `must be between 0 and ${MESSAGE_PAGE_MAX}.`);
      }
      const after = args.after ? await cursorMessage(interviewId, args.after, 'after') : null;
      const before = args.before ? await cursorMessage(interviewId, args.before, 'before') : null;
      const backward = args.last != null;
      const size = (backward ? args.last : args.first) ?? MESSAGE_PAGE_DEFAULT;
      const bounds = [
        ...(after
          ? [{ OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }]
          : []),
        ...(before
          ? [{ OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] }]
          : []),
      ];
      const direction = backward ? ('desc' as const) : ('asc' as const);
      const rows =
        size === 0
          ? []
          : await db.message.findMany({
              where: { interviewId, AND: bounds },
              orderBy: [{ createdAt: direction }, { id: direction }],
              take: size + 1,
            });
      const more = rows.length > size;
      const page = rows.slice(0, size);
      if (backward) page.reverse();
      return {
        edges: page.map((node) => ({ cursor: node.id, node })),
        pageInfo: {
          hasNextPage: backward ? before !== null : more,
          hasPreviousPage: backward ? more : after !== null,
          startCursor: page[0]?.id ?? null,
          endCursor: page.at(-1)?.id ?? null,
        },
      };
    },

    /** Messages from others the viewer has not read yet (deleted ones do not count). */
    async unreadCount(viewer: Viewer, interviewId: string): Promise<number> {
      const me = await db.interviewParticipant.findUnique({
        where: { interviewId_userId: { interviewId, userId: viewer.id } },
        select: { lastReadMessageId: true },
      });
      if (!me) return 0;
      const last = me.lastReadMessageId
        ? await db.message.findUnique({ where: { id: me.lastReadMessageId }, select: { id: true, createdAt: true } })
        : null;
      return db.message.count({
        where: {
          interviewId,
          senderId: { not: viewer.id },
          deletedAt: null,
          ...(last
            ? { OR: [{ createdAt: { gt: last.createdAt } }, { createdAt: last.createdAt, id: { gt: last.id } }] }
            : {}),
        },
      });
    },

    /** Stops the typing timers (shutdown). */
    close() {
      typing.clear();
    },
  };
}

export type Chat = ReturnType<typeof createChat>;
