// Realtime counts across instances: each instance reports its own, and
// Query.realtimeStats adds up the reports still fresh.

/** Report rows older than this are a stopped or killed instance's. */
export const INSTANCE_REPORT_TTL_MS = 15_000;

export interface FieldCount {
  field: string;
  count: number;
}

export interface InstanceReport {
  /** Unique per process start (names may repeat). */
  id: string;
  name: string;
  sockets: number;
  /** Sockets with a signed-in user. */
  authenticatedSockets: number;
  /** Active operations over WebSocket, by root field. */
  subscriptions: FieldCount[];
  startedAt: string;
  lastSeen: string;
}

export interface RealtimeTotals {
  instances: InstanceReport[];
  connections: number;
  authenticatedConnections: number;
  subscriptions: number;
  subscriptionsByField: FieldCount[];
}

export const isFresh = (r: InstanceReport, now: Date, ttlMs = INSTANCE_REPORT_TTL_MS) =>
  Date.parse(r.lastSeen) + ttlMs > now.getTime();

/** Sums the fresh reports; instances by name, fields by name, fields with no subscription left out. */
export function aggregate(reports: InstanceReport[], now: Date, ttlMs = INSTANCE_REPORT_TTL_MS): RealtimeTotals {
  const instances = reports
    .filter((r) => isFresh(r, now, ttlMs))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const byField = new Map<string, number>();
  for (const r of instances)
    for (const s of r.subscriptions) byField.set(s.field, (byField.get(s.field) ?? 0) + s.count);
  const subscriptionsByField = [...byField]
    .filter(([, count]) => count > 0)
    .map(([field, count]) => ({ field, count }))
    .sort((a, b) => a.field.localeCompare(b.field));
  return {
    instances,
    connections: instances.reduce((n, r) => n + r.sockets, 0),
    authenticatedConnections: instances.reduce((n, r) => n + r.authenticatedSockets, 0),
    subscriptions: subscriptionsByField.reduce((n, s) => n + s.count, 0),
    subscriptionsByField,
  };
}
