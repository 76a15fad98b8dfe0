import { z } from 'zod';
import { Availability, Role } from '../generated/prisma/enums.js';
import type { User } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { NAME_MAX } from '../domain/account.js';

export const RoleEnum = builder.enumType(Role, { name: 'Role' });
export const AvailabilityEnum = builder.enumType(Availability, { name: 'Availability' });

/** Marks a user object as being shown to its owner (e.g. in AuthPayload, before the client holds a token). */
const OWNER_VIEW = Symbol('ownerView');
export const asOwnerView = <T extends object>(user: T): T => Object.assign(user, { [OWNER_VIEW]: true });

export const UserRef = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: RoleEnum }),
    availability: t.expose('availability', { type: AvailabilityEnum }),
    email: t.string({
      nullable: true,
      description: 'Visible to the user themself and to admins; null for everyone else.',
      resolve: (user, _args, ctx) =>
        OWNER_VIEW in user || (ctx.viewer && (ctx.viewer.id === user.id || ctx.viewer.role === 'ADMIN'))
          ? user.email
          : null,
    }),
    emailVerified: t.boolean({
      description:
        'Whether the owner proved the address (verifyEmail). ADMIN_EMAILS makes only verified addresses ADMIN.',
      resolve: (user) => user.emailVerifiedAt !== null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  // A plain field, not prismaField: User has no relations, so planning a Prisma query per request would buy nothing.
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user; null when not signed in.',
    // A UserRow lacks only columns no User field reads (see UserRows).
    resolve: (_root, _args, ctx) =>
      ctx.viewer ? (ctx.services.users.find(ctx.viewer.id) as Promise<User | null>) : null,
  }),
);

export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`);
