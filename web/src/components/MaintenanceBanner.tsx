// Shown on every screen while the service is in maintenance (Query.maintenance),
// switched live by the MAINTENANCE_MODE event on the viewer's events stream.
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { gql, onSocketConnected } from '../api';
import { fmtDateTime } from '../format';
import { useUserEvents } from '../session';

export const MAINTENANCE = gql`
  query Maintenance {
    maintenance {
      enabled
      message
      since
    }
  }
`;
export interface MaintenanceState {
  enabled: boolean;
  message: string | null;
  since: string | null;
}

export function MaintenanceBanner() {
  const [{ data }, refetch] = useQuery<{ maintenance: MaintenanceState }>({ query: MAINTENANCE });
  const [live, setLive] = useState<MaintenanceState | null>(null);
  // A fresh answer from the server (first load, reconnect, after setMaintenance) replaces the live one.
  useEffect(() => setLive(null), [data]);
  useEffect(() => onSocketConnected((reconnect) => reconnect && refetch({ requestPolicy: 'network-only' })), [refetch]);
  useUserEvents(
    (e) => {
      const p = e.payload ?? {};
      setLive({
        enabled: Boolean(p['enabled']),
        message: (p['message'] as string | null) ?? null,
        since: (p['since'] as string | null) ?? null,
      });
    },
    ['MAINTENANCE_MODE'],
  );
  const m = live ?? data?.maintenance;
  if (!m?.enabled) return null;
  return (
    <div className="banner maintenance" role="status" data-testid="maintenance-banner">
      <strong>Maintenance in progress.</strong>
      <span>{m.message ?? 'Changes cannot be saved right now; reading works as usual.'}</span>
      {m.since && <span>Since {fmtDateTime(m.since)}.</span>}
    </div>
  );
}
