// npm run soak — delivery under churn for SOAK_MINUTES: two instances being
// restarted (SIGTERM and SIGKILL, one at a time), clients that keep
// reconnecting to either with `events(after: last id seen)`, and traffic
// producing stored events for every user. Fails (exit 1) unless every
// client received exactly the Event table's ids for its user, in order.
// The soak itself is bench/soak-run.ts, shared with test/faults/soak.test.ts.
//
// Settings (env or --name=value): SOAK_MINUTES=10 (or --minutes=) USERS=60
// RESTART_EVERY_S=45 DISCONNECT_MIN_S=3 DISCONNECT_MAX_S=20
// OFFLINE_MAX_MS=1500 ACTION_EVERY_MS=2500 DRAIN_S=60
import { intSetting, machineLine, main } from './support.js';
import { runSoak, soakPassed, soakReport } from './soak-run.js';

const minutes = intSetting('MINUTES', intSetting('SOAK_MINUTES', 10));

await main(async () => {
  const result = await runSoak({
    durationMs: minutes * 60_000,
    users: intSetting('USERS', 60),
    restartEveryMs: intSetting('RESTART_EVERY_S', 45) * 1000,
    disconnectMinMs: intSetting('DISCONNECT_MIN_S', 3) * 1000,
    disconnectMaxMs: intSetting('DISCONNECT_MAX_S', 20) * 1000,
    offlineMaxMs: intSetting('OFFLINE_MAX_MS', 1500),
    actionEveryMs: intSetting('ACTION_EVERY_MS', 2500),
    drainMs: intSetting('DRAIN_S', 60) * 1000,
    log: (line) => console.error(line),
  });
  console.log(soakReport(result));
  console.log(`\nMachine: ${machineLine()}.`);
  if (!soakPassed(result)) throw new Error('soak failed: events lost, duplicated or out of order (table above)');
});
