// Child process: WebSocket load generator for bench:fanout and bench:connections.
// It holds many sockets to one server and records, for every event received,
// the latency from its publish time (the `"at":"<ISO>"` field every event
// carries) to its receipt here.
//
// The three protocols are spoken directly over `ws`, so that the client side
// costs the same for every server and stays out of the measurement:
//   graphql-ws  graphql-transport-ws: connection_init { authorization }, wait
//               for connection_ack, send one `subscribe`;
//   socketio    Engine.IO 4 over websocket only: wait for the open packet,
//               send CONNECT ("40") to "/", answer pings ("2" -> "3");
//   ws          nothing: the socket is ready when open.
// On each event the client only finds `"at":"` in the bytes and parses the
// 24-character timestamp after it; nothing else is decoded.
import WebSocket from 'ws';
import { now, packFloats, serveParent, announceReady } from './support.js';

type Protocol = 'graphql-ws' | 'socketio' | 'ws';

interface ConnectArg {
  protocol: Protocol;
  url: string;
  /** graphql-ws: tokens used round-robin, one per socket. */
  tokens?: string[];
  /** socketio: the CONNECT packet's auth payload per socket (round-robin), e.g. which user it is. */
  auth?: Record<string, unknown>[];
  /** graphql-ws: the subscribe payload sent after connection_ack. */
  subscribe?: { query: string; variables?: Record<string, unknown> };
  count: number;
  concurrency: number;
  timeoutMs?: number;
}

const AT = Buffer.from('"at":"');
const sockets: WebSocket[] = [];
let perSocket = new Int32Array(0);
let latencies = new Float64Array(1024);
let received = 0;
let firstAt = 0;
let lastAt = 0;
let otherFrames = 0;
/** Events stamped before the phase began (a slow server still sending an earlier probe round): not this phase's. */
let since = 0;
let stale = 0;
let sample: string | null = null;
const closedAfterReady = new Map<string, number>();
let waiter: { target: number; resolve: () => void } | null = null;

function record(i: number, data: Buffer, t: number) {
  const k = data.indexOf(AT);
  if (k < 0) return false;
  const at = Date.parse(data.toString('latin1', k + 6, k + 30));
  if (at < since) {
    stale++;
    return true;
  }
  if (received === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[received++] = t - at;
  perSocket[i]!++;
  if (firstAt === 0) firstAt = t;
  lastAt = t;
  if (sample === null) sample = data.toString('utf8');
  if (waiter && received >= waiter.target) {
    waiter.resolve();
    waiter = null;
  }
  return true;
}

function open(arg: ConnectArg, i: number): Promise<string | null> {
  return new Promise((resolve) => {
    let ready = false;
    const done = (failure: string | null) => {
      if (ready) return;
      ready = failure === null;
      clearTimeout(timer);
      resolve(failure);
    };
    const timer = setTimeout(() => {
      done('timeout');
      ws.terminate();
    }, arg.timeoutMs ?? 60_000);
    const protocols = arg.protocol === 'graphql-ws' ? ['graphql-transport-ws'] : [];
    const ws = new WebSocket(arg.url, protocols, {
      perMessageDeflate: false,
      handshakeTimeout: arg.timeoutMs ?? 60_000,
    });
    sockets[i] = ws;
    ws.on('error', (err) => done(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    ws.on('close', (code, reason) => {
      if (ready) {
        const key = `${code} ${reason.toString()}`.trim();
        closedAfterReady.set(key, (closedAfterReady.get(key) ?? 0) + 1);
      } else done(`closed ${code} ${reason.toString()}`.trim());
    });
    ws.on('message', (raw: Buffer) => {
      const t = now();
      if (ready && record(i, raw, t)) return;
      const text = raw.toString('utf8');
      if (arg.protocol === 'graphql-ws') {
        const m = JSON.parse(text) as { type: string; payload?: unknown };
        if (m.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: arg.subscribe }));
          return done(null);
        }
        if (m.type === 'ping') return ws.send('{"type":"pong"}');
        if (m.type === 'pong') return;
        otherFrames++;
        if (otherFrames <= 3) console.error(`graphql-ws client got: ${text.slice(0, 300)}`);
      } else if (arg.protocol === 'socketio') {
        if (text === '2') return ws.send('3');
        if (text.startsWith('0{')) {
          const auth = arg.auth?.[i % arg.auth.length];
          return ws.send(auth ? `40${JSON.stringify(auth)}` : '40');
        }
        if (text.startsWith('40')) return done(null);
        otherFrames++;
        if (otherFrames <= 3) console.error(`socket.io client got: ${text.slice(0, 300)}`);
      } else {
        otherFrames++;
      }
    });
    ws.on('open', () => {
      if (arg.protocol === 'graphql-ws') {
        const token = arg.tokens?.[i % arg.tokens.length];
        ws.send(
          JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }),
        );
      } else if (arg.protocol === 'ws') done(null);
    });
  });
}

serveParent(
  {
    async connect(arg: ConnectArg) {
      perSocket = new Int32Array(arg.count);
      const failures = new Map<string, number>();
      const started = now();
      let ready = 0;
      let next = 0;
      let lastReadyAt = started;
      await Promise.all(
        Array.from({ length: Math.min(arg.concurrency, arg.count) }, async () => {
          while (next < arg.count) {
            const failure = await open(arg, next++);
            if (failure === null) {
              ready++;
              lastReadyAt = now();
            } else failures.set(failure, (failures.get(failure) ?? 0) + 1);
          }
        }),
      );
      return { ready, failures: Object.fromEntries(failures), startedAt: started, lastReadyAt };
    },
    /** Starts a new measurement: counters and samples back to zero. */
    phase(arg?: { since?: number }) {
      since = arg?.since ?? 0;
      stale = 0;
      received = 0;
      firstAt = 0;
      lastAt = 0;
      otherFrames = 0;
      perSocket.fill(0);
      return null;
    },
    progress() {
      let withOne = 0;
      for (const n of perSocket) if (n > 0) withOne++;
      return {
        received,
        socketsWithOne: withOne,
        open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length,
      };
    },
    /** Resolves when `target` events arrived in this phase, or after `timeoutMs`. */
    async awaitReceived({ target, timeoutMs }: { target: number; timeoutMs: number }) {
      if (received < target) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            waiter = null;
            resolve();
          }, timeoutMs);
          waiter = {
            target,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
      }
      return { received };
    },
    report() {
      let min = Infinity;
      let max = 0;
      for (const n of perSocket) {
        if (n < min) min = n;
        if (n > max) max = n;
      }
      return {
        received,
        firstAt,
        lastAt,
        minPerSocket: perSocket.length ? min : 0,
        maxPerSocket: max,
        otherFrames,
        stale,
        sample,
        latencies: packFloats(latencies.subarray(0, received)),
        closedAfterReady: Object.fromEntries(closedAfterReady),
        open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length,
      };
    },
    async close() {
      const open = sockets.filter((s) => s && s.readyState !== WebSocket.CLOSED);
      await Promise.race([
        Promise.all(
          open.map(
            (s) =>
              new Promise<void>((r) => {
                s.once('close', () => r());
                s.close(1000);
              }),
          ),
        ),
        new Promise((r) => setTimeout(r, 15_000)),
      ]);
      for (const s of sockets) s?.terminate();
      sockets.length = 0;
      return null;
    },
  },
  () => {
    for (const s of sockets) s?.terminate();
  },
);
announceReady();
