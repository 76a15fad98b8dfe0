// Operational views for admins: Query.realtimeStats.
import type { FieldCount, InstanceReport, RealtimeTotals } from '../domain/realtime-stats.js';
import { builder } from './builder.js';

const FieldCountRef = builder.objectRef<FieldCount>('SubscriptionCount').implement({
  description: 'Active operations over WebSocket with one root field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The root field, e.g. `events` or `waitingRoom`.' }),
    count: t.exposeInt('count'),
  }),
});

const InstanceStatsRef = builder.objectRef<InstanceReport>('InstanceStats').implement({
  description: 'One API instance, as it last reported (every few seconds, and shortly after each change).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique per process start.' }),
    name: t.exposeString('name', { description: 'INSTANCE_NAME.' }),
    connections: t.exposeInt('sockets', { description: 'Open WebSocket connections.' }),
    authenticatedConnections: t.exposeInt('authenticatedSockets', {
      description: 'Open WebSocket connections of signed-in users.',
    }),
    subscriptions: t.int({ resolve: (r) => r.subscriptions.reduce((n, s) => n + s.count, 0) }),
    subscriptionsByField: t.field({
      type: [FieldCountRef],
      resolve: (r) => r.subscriptions.filter((s) => s.count > 0),
    }),
    startedAt: t.field({ type: 'DateTime', resolve: (r) => r.startedAt }),
    lastSeen: t.field({ type: 'DateTime', resolve: (r) => r.lastSeen }),
  }),
});

const RealtimeStatsRef = builder
  .objectRef<RealtimeTotals & { onlineUsers: number; at: Date }>('RealtimeStats')
  .implement({
    fields: (t) => ({
      instances: t.field({ type: [InstanceStatsRef], resolve: (s) => s.instances }),
      connections: t.exposeInt('connections', { description: 'Open WebSocket connections, all instances.' }),
      authenticatedConnections: t.exposeInt('authenticatedConnections'),
      subscriptions: t.exposeInt('subscriptions', { description: 'Active operations over WebSocket, all instances.' }),
      subscriptionsByField: t.field({ type: [FieldCountRef], resolve: (s) => s.subscriptionsByField }),
      onlineUsers: t.exposeInt('onlineUsers', {
        description: 'Users with at least one signed-in connection on any instance.',
      }),
      at: t.field({ type: 'DateTime', resolve: (s) => s.at }),
    }),
  });

builder.queryField('realtimeStats', (t) =>
  t.field({
    type: RealtimeStatsRef,
    description:
      'Admins only: connection, subscription and online-user counts across all instances. This instance counts as of now; ' +
      'the others as of their last report (at most a few seconds old); an instance that stopped reporting drops out within 15 s.',
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.services.realtimeStats.snapshot(),
  }),
);

builder.subscriptionField('realtimeStats', (t) =>
  t.field({
    type: RealtimeStatsRef,
    description:
      'Admins only: the same totals as `Query.realtimeStats`, at once and then whenever an instance reports ' +
      '(shortly after its connections or subscriptions change, and every few seconds).',
    authScopes: { admin: true },
    subscribe: (_root, _args, ctx) => ctx.services.realtimeStats.stream(),
    resolve: (s) => s,
  }),
);
