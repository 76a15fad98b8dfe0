// Maintenance mode: Query.maintenance (public) and Mutation.setMaintenance (admins).
// The refusal of other mutations while it is on lives in yoga.ts (maintenanceGuard).
import { z } from 'zod';
import type { MaintenanceState } from '../domain/maintenance.js';
import { builder } from './builder.js';

const MaintenanceRef = builder.objectRef<MaintenanceState>('Maintenance').implement({
  description:
    'While enabled, every mutation except login, refreshSession, logout and setMaintenance fails with MAINTENANCE; queries and ' +
    'subscriptions keep working. Open `events` subscriptions get MAINTENANCE_MODE when it is switched on or off.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    message: t.exposeString('message', { nullable: true, description: 'What the operator told users, if anything.' }),
    since: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was switched on; null while off.',
      resolve: (m) => m.since,
    }),
  }),
});

builder.queryField('maintenance', (t) =>
  t.field({
    type: MaintenanceRef,
    description: 'Whether the service is in maintenance. Public.',
    resolve: (_root, _args, ctx) => ctx.services.maintenance.current(),
  }),
);

builder.mutationField('setMaintenance', (t) =>
  t.field({
    type: MaintenanceRef,
    description:
      'Admins only. Switches maintenance mode on (with an optional message for users) or off, on every instance within a second; ' +
      'the switch survives restarts. Switching it on again changes the message.',
    authScopes: { admin: true },
    args: {
      enabled: t.arg.boolean({ required: true }),
      message: t.arg.string({ validate: z.string().max(500, 'must be at most 500 characters') }),
    },
    resolve: (_root, args, ctx) => ctx.services.maintenance.set(ctx.viewer!, args.enabled, args.message),
  }),
);
