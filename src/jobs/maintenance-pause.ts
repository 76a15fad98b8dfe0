// Jobs that change what users are doing (matching, expiries, timeouts) skip
// their runs while maintenance is on: users cannot act meanwhile, so nothing
// may be decided against them. The timeout jobs also leave the maintenance
// time out of their deadlines afterwards (domain/maintenance.ts).
import type { Maintenance } from '../services/maintenance.js';
import type { JobDefinition } from './scheduler.js';

export function pausedDuringMaintenance(
  maintenance: Pick<Maintenance, 'current'>,
  jobs: JobDefinition[],
): JobDefinition[] {
  return jobs.map((job) => ({
    ...job,
    run: () => (maintenance.current().enabled ? Promise.resolve({ skipped: 'maintenance' }) : job.run()),
  }));
}
