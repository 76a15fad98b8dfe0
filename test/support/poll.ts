// Bounded polling of an observable condition, for the cases with no event to
// await (a service coming back, a lock expiring). Fails with `what` at the deadline.
export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${lastError instanceof Error ? String(lastError) : JSON.stringify(lastError)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET a system endpoint (/health, /ready): status and parsed body. */
export async function probe(
  baseUrl: string,
  path: '/health' | '/ready',
): Promise<{ status: number; body: { status: string; checks?: Record<string, string> } }> {
  const res = await fetch(baseUrl + path);
  return { status: res.status, body: (await res.json()) as { status: string; checks?: Record<string, string> } };
}

/** Polls /ready until it answers `status`; returns that answer. */
export function readyTurns(baseUrl: string, status: 200 | 503, timeoutMs = 10_000) {
  return until(
    async () => {
      const r = await probe(baseUrl, '/ready');
      return r.status === status && r;
    },
    `/ready turning ${status}`,
    timeoutMs,
  );
}
