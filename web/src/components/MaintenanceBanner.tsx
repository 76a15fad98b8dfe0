// Shown on every screen while the service is in maintenance (Query.maintenance),
// switched live by the MAINTENANCE_MODE event on the viewer's events stream.
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { MaintenanceDocument, onSocketConnected, type MaintenanceQuery } from '../api';
import { fmtDateTime } from '../format';
import { useUserEvents } from '../session';

type MaintenanceState = MaintenanceQuery['maintenance'];

export function MaintenanceBanner() {
  const [{ data }, refetch] = useQuery({ query: MaintenanceDocument });
  const [live, setLive] = useState<MaintenanceState | null>(null);
  // A fresh answer from the server (first load, reconnect, after setMaintenance) replaces the live one.
  useEffect(() => setLive(null), [data]);
  useEffect(() => onSocketConnected((reconnect) => reconnect && refetch({ requestPolicy: 'network-only' })), [refetch]);
  useUserEvents(
    (e) => {
      if (e.data?.__typename !== 'MaintenanceModeData') return;
      setLive({ enabled: e.data.enabled, message: e.data.message ?? null, since: e.data.since ?? null });
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
