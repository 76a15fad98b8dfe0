// Child process: the users of bench:e2e. Each user holds a graphql-ws socket
// to one instance with `events(after: "0")` (stored events replayed, then
// live: a MATCHED can never slip between subscribing and joining), and at its
// scheduled moment joins its waiting room with `joinWaitingRoom` over HTTP on
// another instance. Recorded per user: when the join was sent, whether it
// succeeded, and when each MATCHED for one of this run's slots arrived.
import WebSocket from 'ws';
import { announceReady, now, serveParent, sleep } from './support.js';

interface UserSpec {
  userId: string;
  token: string;
  bookingId: string;
  room: number;
  wsUrl: string;
  httpUrl: string;
  /** ms after start() */
  joinAfterMs: number;
}

interface UserState {
  spec: UserSpec;
  ws?: WebSocket;
  joinSentAt?: number;
  joinDoneAt?: number;
  joinError?: string;
  matchedAt?: number;
  peerId?: string;
  matchedCount: number;
}

const SUBSCRIBE = 'subscription Events($after: String) { events(after: $after) { id type at payload } }';
const JOIN = 'mutation Join($b: ID!) { joinWaitingRoom(bookingId: $b) { id status } }';
let users: UserState[] = [];
let slotIds = new Set<string>();
const closedEarly = new Map<string, number>();
let otherFrames = 0;

function connect(u: UserState): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(u.spec.wsUrl, ['graphql-transport-ws'], { perMessageDeflate: false });
    u.ws = ws;
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) resolve('timeout');
      ws.terminate();
    }, 30_000);
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${u.spec.token}` } })),
    );
    ws.on('error', (err) => !ready && resolve(`error ${err.message}`));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (!ready) return resolve(`closed ${code} ${reason.toString()}`);
      const key = `${code} ${reason.toString()}`.trim();
      closedEarly.set(key, (closedEarly.get(key) ?? 0) + 1);
    });
    ws.on('message', (raw: Buffer) => {
      const t = now();
      const m = JSON.parse(raw.toString('utf8')) as {
        type: string;
        payload?: { data?: { events?: { type: string; payload?: { slotId?: string; peerId?: string } } } };
      };
      if (m.type === 'connection_ack') {
        ready = true;
        clearTimeout(timer);
        ws.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIBE, variables: { after: '0' } } }),
        );
        return resolve(null);
      }
      if (m.type === 'ping') return ws.send('{"type":"pong"}');
      const e = m.payload?.data?.events;
      if (m.type === 'next' && e) {
        if (e.type === 'MATCHED' && e.payload?.slotId && slotIds.has(e.payload.slotId)) {
          u.matchedCount++;
          u.matchedAt ??= t;
          u.peerId ??= e.payload.peerId;
        }
        return;
      }
      if (m.type !== 'pong' && ++otherFrames <= 3) console.error(`e2e user got: ${raw.toString('utf8').slice(0, 300)}`);
    });
  });
}

async function join(u: UserState) {
  u.joinSentAt = now();
  try {
    const res = await fetch(u.spec.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${u.spec.token}`,
      },
      body: JSON.stringify({ query: JOIN, variables: { b: u.spec.bookingId } }),
    });
    const body = (await res.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length)
      u.joinError = `${body.errors[0]!.extensions?.code ?? res.status} ${body.errors[0]!.message}`;
  } catch (err) {
    u.joinError = String(err);
  }
  u.joinDoneAt = now();
}

serveParent(
  {
    async prepare(arg: { users: UserSpec[]; slotIds: string[] }) {
      users = arg.users.map((spec) => ({ spec, matchedCount: 0 }));
      slotIds = new Set(arg.slotIds);
      const failures: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < users.length) {
            const f = await connect(users[next++]!);
            if (f) failures[f] = (failures[f] ?? 0) + 1;
          }
        }),
      );
      return { connected: users.length - Object.values(failures).reduce((a, b) => a + b, 0), failures };
    },
    /** Runs the join schedule; resolves once every join has been answered. */
    async run() {
      const t0 = now();
      await Promise.all(
        users.map(async (u) => {
          await sleep(Math.max(0, t0 + u.spec.joinAfterMs - now()));
          await join(u);
        }),
      );
      return { t0 };
    },
    /** Users matched so far, and how many could be: 2 × floor(joined / 2) per room. */
    progress() {
      const joinedPerRoom = new Map<number, number>();
      let matched = 0;
      for (const u of users) {
        if (u.joinDoneAt !== undefined && !u.joinError)
          joinedPerRoom.set(u.spec.room, (joinedPerRoom.get(u.spec.room) ?? 0) + 1);
        if (u.matchedAt !== undefined) matched++;
      }
      const pairable = [...joinedPerRoom.values()].reduce((s, n) => s + 2 * Math.floor(n / 2), 0);
      return { matched, pairable };
    },
    report() {
      return {
        users: users.map((u) => ({
          userId: u.spec.userId,
          peerId: u.peerId ?? null,
          room: u.spec.room,
          joined: u.joinDoneAt !== undefined && !u.joinError,
          joinError: u.joinError ?? null,
          joinSentAt: u.joinSentAt ?? null,
          joinMs: u.joinDoneAt !== undefined && u.joinSentAt !== undefined ? u.joinDoneAt - u.joinSentAt : null,
          matchedAt: u.matchedAt ?? null,
          matchedCount: u.matchedCount,
        })),
        closedEarly: Object.fromEntries(closedEarly),
        otherFrames,
      };
    },
    async close() {
      await Promise.race([
        Promise.all(
          users.map(
            (u) =>
              new Promise<void>((r) => {
                if (!u.ws || u.ws.readyState === WebSocket.CLOSED) return r();
                u.ws.once('close', () => r());
                u.ws.close(1000);
              }),
          ),
        ),
        sleep(15_000),
      ]);
      for (const u of users) u.ws?.terminate();
      return null;
    },
  },
  () => {
    for (const u of users) u.ws?.terminate();
  },
);
announceReady();
