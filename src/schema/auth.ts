import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN, isValidEmail } from '../domain/account.js';
import type { AuthResult } from '../services/accounts.js';
import { builder } from './builder.js';
import { UserRef, asOwnerView, nameSchema } from './user.js';

const email = z
  .string()
  .trim()
  .refine((v) => isValidEmail(v.toLowerCase()), 'must be a valid email address');
const password = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

const AuthPayload = builder.objectRef<AuthResult>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'Access token (JWT, 15 minutes). Send as `Authorization: Bearer <token>`.',
    }),
    refreshToken: t.exposeString('refreshToken', { description: 'Single-use; exchange it with refreshSession.' }),
    user: t.field({ type: UserRef, resolve: (p) => asOwnerView(p.user) }),
  }),
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    email: t.string({ required: true, validate: email }),
    password: t.string({ required: true, validate: password }),
    name: t.string({ required: true, validate: nameSchema }),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    // Only bounded here: a wrong format is just a failed sign-in, not a hint.
    email: t.string({ required: true, validate: z.string().max(254, 'must be at most 254 characters') }),
    password: t.string({
      required: true,
      validate: z.string().max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
    }),
  }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: RegisterInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.register(input, ctx.ip),
  }),
  login: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.login(input, ctx.ip),
  }),
  refreshSession: t.field({
    type: AuthPayload,
    description: 'Exchanges a refresh token for a new access token and a new refresh token (rotation).',
    args: { refreshToken: t.arg.string({ required: true, validate: z.string().max(512, 'is too long') }) },
    resolve: (_root, args, ctx) => ctx.services.accounts.refreshSession(args.refreshToken),
  }),
  logout: t.boolean({
    description: 'Revokes the current session: its refresh token and access tokens stop working at once.',
    authScopes: { signedIn: true },
    resolve: (_root, _args, ctx) => ctx.services.accounts.logout(ctx.viewer!),
  }),
  requestPasswordReset: t.boolean({
    description: 'Emails a reset link. True whether or not the email has an account.',
    args: { email: t.arg.string({ required: true, validate: z.string().max(254, 'must be at most 254 characters') }) },
    resolve: (_root, args, ctx) => ctx.services.accounts.requestPasswordReset(args.email),
  }),
  requestEmailVerification: t.boolean({
    description:
      'Emails the signed-in user a new link to verify their address (the one sent at registration stops working). CONFLICT when already verified.',
    authScopes: { signedIn: true },
    resolve: (_root, _args, ctx) => ctx.services.accounts.requestEmailVerification(ctx.viewer!),
  }),
  verifyEmail: t.field({
    type: UserRef,
    description:
      "Verifies the address with the token from the verification email's link (single-use); needs no sign-in.",
    args: {
      token: t.arg.string({ required: true, validate: z.string().min(1, 'must not be empty').max(512, 'is too long') }),
    },
    resolve: async (_root, args, ctx) => asOwnerView(await ctx.services.accounts.verifyEmail(args.token)),
  }),
  resetPassword: t.field({
    type: AuthPayload,
    description: 'Sets a new password with a reset token and signs in; every other session of the user is revoked.',
    args: {
      token: t.arg.string({ required: true, validate: z.string().min(1, 'must not be empty').max(512, 'is too long') }),
      newPassword: t.arg.string({ required: true, validate: password }),
    },
    resolve: (_root, args, ctx) => ctx.services.accounts.resetPassword(args.token, args.newPassword, ctx.ip),
  }),
}));
