// The soak (bench/soak-run.ts, what `npm run soak` runs for 10 minutes) in
// ~40 s: two real instances as child processes, one restarted with SIGTERM and
// one with SIGKILL, clients reconnecting all the while with
// `events(after: last id seen)`. Every stored event reaches its user's client
// exactly once, in order.
import { runSoak, soakPassed, soakReport } from '../../bench/soak-run.js';

it('loses, repeats and reorders no stored event while clients reconnect and instances restart (one SIGTERM, one SIGKILL)', async () => {
  const result = await runSoak({
    durationMs: 36_000,
    users: 12,
    restartEveryMs: 12_000,
    disconnectMinMs: 1_500,
    disconnectMaxMs: 6_000,
    offlineMaxMs: 800,
    actionEveryMs: 1_000,
    drainMs: 30_000,
    log: () => {},
  });
  if (!soakPassed(result)) console.error(soakReport(result));
  expect(result.restarts).toEqual({ graceful: 1, crash: 1 });
  // The run did what it claims (bounds low enough for a loaded machine): events, reconnects, mutations.
  expect(result.stored).toBeGreaterThan(100);
  expect(result.reconnects).toBeGreaterThan(result.users * 2);
  expect(result.mutations.ok).toBeGreaterThan(50);
  expect(result.unexpectedExits).toBe(0);
  expect({
    lost: result.lost,
    duplicated: result.duplicated,
    outOfOrder: result.outOfOrder,
    unknown: result.unknown,
    caughtUp: result.caughtUp,
    received: result.received,
  }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, unknown: 0, caughtUp: true, received: result.stored });
}, 240_000);
