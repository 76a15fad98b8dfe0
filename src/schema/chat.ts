// Chat: the Message type, Interview.messages / readReceipts / unreadMessageCount,
// the chat mutations, and `message` on the events that announce one.
import type { SessionEventMessage, UserEventMessage } from '../domain/events.js';
import { forbidden } from '../domain/errors.js';
import { MESSAGE_BODY_MAX } from '../domain/chat.js';
import type { Context } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Planned } from '../infra/db.js';
import { builder } from './builder.js';
import { uuid } from './args.js';
import { UserEventRef } from './events.js';
import { InterviewRef, participantId, participantIdDescription } from './interviews.js';
import { SessionEventRef } from './session.js';

export const MessageRef = builder.prismaObject('Message', {
  description:
    'A chat message in an interview. The body is plain text, stored and returned exactly as sent (trimmed): clients escape it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    interview: t.relation('interview'),
    sender: t.relation('sender'),
    body: t.string({
      nullable: true,
      description: 'Null once the message is deleted.',
      resolve: (m) => (m.deletedAt ? null : m.body),
    }),
    deleted: t.boolean({ resolve: (m) => m.deletedAt !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the author last edited it.',
    }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const ReadReceiptRef = builder.prismaObject('InterviewParticipant', {
  variant: 'ReadReceipt',
  description: "How far one participant has read the interview's chat. Receipts only move forward.",
  fields: (t) => ({
    id: t.id({ description: participantIdDescription, resolve: participantId }),
    user: t.relation('user'),
    lastReadMessageId: t.exposeID('lastReadMessageId', {
      nullable: true,
      description: 'The newest message they have read (every earlier one counts as read too); null if none yet.',
    }),
    lastReadMessage: t.prismaField({
      type: 'Message',
      nullable: true,
      resolve: (query, p, _args, ctx) =>
        p.lastReadMessageId ? ctx.db.message.findUnique({ ...query, where: { id: p.lastReadMessageId } }) : null,
    }),
    readAt: t.expose('lastReadAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When they last moved their receipt.',
    }),
  }),
});

builder.prismaObjectFields(InterviewRef, (t) => ({
  messages: t.connection(
    {
      type: MessageRef,
      description:
        'The chat, oldest first. Cursors are message ids: `first`/`after` page forward, `last`/`before` backward (`last` alone gives the newest page). Participants and admins only.',
      authScopes: { signedIn: true },
      resolve: async (interview, args, ctx) => {
        if (!(await ctx.services.chat.canRead(ctx.viewer!, interview.id)))
          throw forbidden('Only participants may read this chat.');
        return ctx.services.chat.messagePage(interview.id, args);
      },
    },
    { name: 'MessageConnection' },
    { name: 'MessageEdge' },
  ),
  readReceipts: t.relation('participants', {
    type: ReadReceiptRef,
    description: 'One read receipt per participant.',
    query: { orderBy: { role: 'asc' } },
  }),
  unreadMessageCount: t.int({
    description:
      "Messages from others after the viewer's read receipt, deleted ones aside. 0 for an admin who is not a participant.",
    authScopes: { signedIn: true },
    resolve: (interview, _args, ctx) => ctx.services.chat.unreadCount(ctx.viewer!, interview.id),
  }),
}));

builder.mutationFields((t) => {
  const bodyArg = () =>
    t.arg.string({ required: true, description: `Plain text, 1–${MESSAGE_BODY_MAX} characters after trimming.` });
  return {
    sendMessage: t.prismaField({
      type: 'Message',
      description: `Participants only. At most 20 messages (sent or edited) per 10 seconds, then RATE_LIMITED with retryAfterSeconds. A cancelled interview's chat is read-only (CONFLICT).`,
      authScopes: { signedIn: true },
      args: { interviewId: t.arg.id({ required: true, validate: uuid }), body: bodyArg() },
      // Plain SQL like bookSlot, returning the bare row: Pothos loads a selected relation itself.
      resolve: (_query, _root, args, ctx) =>
        ctx.services.chat.sendMessage(ctx.viewer!, String(args.interviewId), args.body),
    }),
    editMessage: t.prismaField({
      type: 'Message',
      description: 'Its author only. A deleted message cannot be edited (CONFLICT). Counts toward the sending limit.',
      authScopes: { signedIn: true },
      args: { messageId: t.arg.id({ required: true, validate: uuid }), body: bodyArg() },
      resolve: (query, _root, args, ctx) =>
        ctx.services.chat.editMessage(ctx.viewer!, String(args.messageId), args.body, query),
    }),
    deleteMessage: t.prismaField({
      type: 'Message',
      description:
        'Its author only. The message stays in place with `deleted: true` and `body: null`; deleting again is harmless.',
      authScopes: { signedIn: true },
      args: { messageId: t.arg.id({ required: true, validate: uuid }) },
      resolve: (query, _root, args, ctx) => ctx.services.chat.deleteMessage(ctx.viewer!, String(args.messageId), query),
    }),
    markMessagesRead: t.boolean({
      description:
        "Moves the viewer's read receipt up to this message (and so every earlier one). Never moves backwards: true when it moved, false when it already was there or later.",
      authScopes: { signedIn: true },
      args: {
        interviewId: t.arg.id({ required: true, validate: uuid }),
        upToMessageId: t.arg.id({ required: true, validate: uuid }),
      },
      resolve: (_root, args, ctx) =>
        ctx.services.chat.markMessagesRead(ctx.viewer!, String(args.interviewId), String(args.upToMessageId)),
    }),
    setTyping: t.boolean({
      description:
        'Ephemeral, never stored: TYPING_STARTED / TYPING_STOPPED on the session. Typing stops on its own 5 seconds after the last `typing: true`, and when the viewer sends a message.',
      authScopes: { signedIn: true },
      args: { interviewId: t.arg.id({ required: true, validate: uuid }), typing: t.arg.boolean({ required: true }) },
      resolve: (_root, args, ctx) => ctx.services.chat.setTyping(ctx.viewer!, String(args.interviewId), args.typing),
    }),
  };
});

const MESSAGE_EVENTS = new Set(['MESSAGE_SENT', 'MESSAGE_EDITED', 'MESSAGE_DELETED']);

/** The message a chat event is about, from its payload. */
export function announcedMessageId(e: { type: string; payload: Record<string, unknown> }): string | null {
  const id = e.payload['messageId'];
  return MESSAGE_EVENTS.has(e.type) && typeof id === 'string' ? id : null;
}

const MESSAGE_FIELD =
  'For MESSAGE_SENT / MESSAGE_EDITED / MESSAGE_DELETED: the message as it is now (body null once deleted).';

/** The message a chat event announces, as it is now; one rule for both event types. */
const announcedMessage = (
  query: Planned<Prisma.MessageInclude, Prisma.MessageSelect>,
  e: UserEventMessage | SessionEventMessage,
  ctx: Context,
) => {
  const id = announcedMessageId(e);
  return id ? ctx.db.message.findUnique({ ...query, where: { id } }) : null;
};

builder.objectField(UserEventRef, 'message', (t) =>
  t.prismaField({
    type: 'Message',
    nullable: true,
    description: MESSAGE_FIELD,
    resolve: (query, e, _args, ctx) => announcedMessage(query, e, ctx),
  }),
);
builder.objectField(SessionEventRef, 'message', (t) =>
  t.prismaField({
    type: 'Message',
    nullable: true,
    description: MESSAGE_FIELD,
    resolve: (query, e, _args, ctx) => announcedMessage(query, e, ctx),
  }),
);
