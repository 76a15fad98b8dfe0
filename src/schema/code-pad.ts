import type { CodePadEventMessage } from '../domain/events.js';
import type { CodePadView } from '../services/code-pad.js';
import { builder } from './builder.js';
import { uuid } from './args.js';

const CodePadRef = builder.objectRef<CodePadView>('CodePad').implement({
  description: "An interview's shared code pad: a Yjs document whose Y.Text named `code` holds the code.",
  fields: (t) => ({
    interviewId: t.exposeID('interviewId'),
    language: t.exposeString('language', {
      description: 'The editor language, e.g. `typescript`; `plaintext` until someone sets it.',
    }),
    text: t.exposeString('text', { description: 'The current code as plain text.' }),
    state: t.exposeString('state', {
      description: 'The merged document as one base64 Yjs update: apply it first, then the live updates.',
    }),
    version: t.exposeInt('version', { description: 'Updates accepted so far.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CodePadEventRef = builder.objectRef<CodePadEventMessage>('CodePadEvent').implement({
  description: 'An update accepted into the code pad.',
  fields: (t) => ({
    update: t.exposeString('update', { description: 'The base64 Yjs update, to apply to the local document.' }),
    version: t.exposeInt('version', { description: 'The pad version this update made.' }),
    by: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, e, _args, ctx) => ctx.db.user.findUnique({ ...query, where: { id: e.byUserId } }),
    }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.queryField('codePad', (t) =>
  t.field({
    type: CodePadRef,
    description: 'Participants only, in any status (read-only once the interview is over).',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (_root, args, ctx) => ctx.services.codePad.get(ctx.viewer!, String(args.interviewId)),
  }),
);

builder.mutationField('updateCodePad', (t) =>
  t.field({
    type: CodePadRef,
    description:
      'Participants only, while the interview is IN_PROGRESS (CONFLICT otherwise). `update` is a base64 Yjs update (at most 64 KiB); ' +
      'the code stays under 100 000 characters and the document under 1 MiB. At most 120 updates per 10 seconds per user (RATE_LIMITED).',
    authScopes: { signedIn: true },
    args: {
      interviewId: t.arg.id({ required: true, validate: uuid }),
      update: t.arg.string({ required: true }),
      language: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.codePad.update(ctx.viewer!, {
        interviewId: String(args.interviewId),
        update: args.update,
        language: args.language,
      }),
  }),
);

builder.subscriptionField('codePad', (t) =>
  t.field({
    type: CodePadEventRef,
    description:
      'Every update accepted into the pad, from any instance. Participants only. After a reconnect, fetch `codePad` and apply its `state`.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    subscribe: (_root, args, ctx) => ctx.services.codePad.watch(ctx.viewer!, String(args.interviewId)),
    resolve: (e) => e,
  }),
);
