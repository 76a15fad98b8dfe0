// Profiles, time zones and notification preferences: User.timezone,
// interviewTypes, level, notificationPreferences; updateProfile,
// updateNotificationPreferences, unsubscribe; Slot.startsAtLocal/endsAtLocal.
import { z } from 'zod';
import type { Context } from '../context.js';
import { badInput } from '../domain/errors.js';
import { DEFAULT_TIMEZONE, canonicalTimezone, toLocalIso } from '../domain/timezones.js';
import type { NotificationPreferences } from '../services/notifications.js';
import { builder } from './builder.js';
import { DifficultyEnum, InterviewTypeEnum } from './enums.js';
import { SlotRef } from './slots.js';
import { UserRef, nameSchema } from './user.js';

const isSelfOrAdmin = (userId: string, ctx: Context) =>
  !!ctx.viewer && (ctx.viewer.id === userId || ctx.viewer.role === 'ADMIN');

const NotificationPreferencesRef = builder.objectRef<NotificationPreferences>('NotificationPreferences').implement({
  description: 'Which emails MockMate sends the user. Events in the `events` stream are not affected.',
  fields: (t) => ({
    emailReminders: t.exposeBoolean('emailReminders', {
      description: 'An email REMINDER_MINUTES before each booked slot.',
    }),
    emailWhenOffline: t.exposeBoolean('emailWhenOffline', {
      description: 'An email for MATCHED and INSTANT_REQUEST_RECEIVED while the user has no open connection.',
    }),
  }),
});

builder.prismaObjectFields(UserRef, (t) => ({
  timezone: t.string({
    description:
      'IANA time zone name (default "UTC") in which emails show times. Only the user themself and admins see it; everyone else reads "UTC".',
    resolve: (user, _args, ctx) => (isSelfOrAdmin(user.id, ctx) ? user.timezone : DEFAULT_TIMEZONE),
  }),
  interviewTypes: t.field({
    type: [InterviewTypeEnum],
    description: 'The interview types the user takes; `availablePeers(type)` filters by it. Both by default.',
    resolve: (user) => user.interviewTypes,
  }),
  level: t.field({
    type: DifficultyEnum,
    nullable: true,
    description: 'The difficulty the user usually practises at; `bookSlot` uses it when no difficulty is given.',
    resolve: (user) => user.level,
  }),
  notificationPreferences: t.field({
    type: NotificationPreferencesRef,
    nullable: true,
    description: 'The user themself only; null for everyone else.',
    resolve: (user, _args, ctx) =>
      ctx.viewer?.id === user.id
        ? { emailReminders: user.emailReminders, emailWhenOffline: user.emailWhenOffline }
        : null,
  }),
}));

const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    name: t.string({ validate: nameSchema }),
    timezone: t.string({
      description: 'An IANA name such as "Europe/Berlin" or "UTC"; anything else is BAD_USER_INPUT.',
    }),
    interviewTypes: t.field({ type: [InterviewTypeEnum], description: 'At least one.' }),
    level: t.field({ type: DifficultyEnum, description: 'null clears it.' }),
  }),
});

const NotificationPreferencesInput = builder.inputType('NotificationPreferencesInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    emailReminders: t.boolean(),
    emailWhenOffline: t.boolean(),
  }),
});

builder.mutationFields((t) => ({
  updateProfile: t.prismaField({
    type: 'User',
    description: "Changes the viewer's profile.",
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: UpdateProfileInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => ctx.services.profiles.update(ctx.viewer!, input, query),
  }),
  updateNotificationPreferences: t.prismaField({
    type: 'User',
    description: 'Chooses which emails the viewer gets.',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: NotificationPreferencesInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => ctx.services.notifications.updatePreferences(ctx.viewer!, input, query),
  }),
  unsubscribe: t.field({
    type: NotificationPreferencesRef,
    description:
      "One-click unsubscribe without signing in: `token` comes from an email's link (`APP_URL/unsubscribe?token=…`) and turns off the " +
      'emails of that kind (reminders, or emails while offline). The API also answers `GET`/`POST /unsubscribe?token=…` itself.',
    args: { token: t.arg.string({ required: true, validate: z.string().max(300, 'is too long') }) },
    resolve: async (_root, args, ctx) => {
      const done = await ctx.services.notifications.unsubscribe(args.token);
      if (!done) throw badInput('token', 'This unsubscribe link is not valid.');
      return done.preferences;
    },
  }),
}));

// The viewer's zone, read once per request for however many slots it formats.
const viewerZones = new WeakMap<Context, Promise<string>>();
function viewerZone(ctx: Context): Promise<string> {
  let zone = viewerZones.get(ctx);
  if (!zone) {
    zone = ctx.viewer
      ? ctx.services.users.find(ctx.viewer.id).then((u) => u?.timezone ?? DEFAULT_TIMEZONE)
      : Promise.resolve(DEFAULT_TIMEZONE);
    viewerZones.set(ctx, zone);
  }
  return zone;
}

async function zoneArg(timezone: string | null | undefined, ctx: Context): Promise<string> {
  if (timezone === null || timezone === undefined) return viewerZone(ctx);
  const zone = canonicalTimezone(timezone);
  if (!zone)
    throw badInput(
      'timezone',
      `"${timezone.slice(0, 64)}" is not an IANA time zone name such as "Europe/Berlin" or "UTC".`,
    );
  return zone;
}

builder.prismaObjectFields(SlotRef, (t) => ({
  startsAtLocal: t.string({
    description:
      'The start as ISO-8601 local time with its offset in `timezone` (an IANA name), e.g. "2026-03-07T09:00:00-05:00". ' +
      "Without `timezone`: the viewer's zone (UTC when signed out).",
    args: { timezone: t.arg.string() },
    resolve: async (slot, args, ctx) => toLocalIso(slot.startsAt, await zoneArg(args.timezone, ctx)),
  }),
  endsAtLocal: t.string({
    description: 'The end, like `startsAtLocal`.',
    args: { timezone: t.arg.string() },
    resolve: async (slot, args, ctx) => toLocalIso(slot.endsAt, await zoneArg(args.timezone, ctx)),
  }),
}));
