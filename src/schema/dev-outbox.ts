// Query.devOutbox: development only (see services/dev-outbox.ts).
import { firstLink } from '../services/dev-outbox.js';
import { builder } from './builder.js';

builder.prismaObject('EmailOutbox', {
  name: 'OutboxEmail',
  description: 'An email as queued for sending (development outbox).',
  fields: (t) => ({
    id: t.exposeID('id'),
    to: t.exposeString('to'),
    subject: t.exposeString('subject'),
    body: t.exposeString('body'),
    link: t.string({
      nullable: true,
      description: 'The first link in the body: the one to follow.',
      resolve: (m) => firstLink(m.body),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('devOutbox', (t) =>
  t.prismaField({
    type: ['EmailOutbox'],
    description:
      'Development only (NODE_ENV=development or DEV_OUTBOX=true; FORBIDDEN otherwise): the newest emails queued for the viewer, ' +
      'or for `email` when signed out, newest first, so reset and verification links work without SMTP.',
    args: { email: t.arg.string(), first: t.arg.int({ defaultValue: 5 }) },
    resolve: (query, _root, args, ctx) => ctx.services.devOutbox.latest(query, ctx.viewer, args.email, args.first ?? 5),
  }),
);
