// Prometheus metrics. Each app has its own registry so that two instances in
// one test process do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'mockmate_graphql_requests_total',
      help: 'GraphQL operations executed, by type and outcome',
      labelNames: ['operation_type', 'operation_name', 'outcome'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'mockmate_graphql_request_duration_seconds',
      help: 'GraphQL operation duration',
      labelNames: ['operation_type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    openSockets: new Gauge({
      name: 'mockmate_ws_open_sockets',
      help: 'Open WebSocket connections',
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({
      name: 'mockmate_graphql_active_subscriptions',
      help: 'Active GraphQL operations over WebSocket, by root field',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    passwordHashes: new Counter({
      name: 'mockmate_password_hashes_total',
      help: 'argon2 computations run, by kind (hash: registration and reset; verify: sign-in)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'mockmate_job_runs_total',
      help: 'Scheduled job runs, by job and outcome',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
