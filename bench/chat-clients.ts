// Child process: the chat users of bench:chat. Holds both users of its pairs,
// each with one socket, and sends messages the way each stack's client would:
//   mockmate  sendMessage over HTTP (keep-alive fetch) with the user's token, or
//             (send 'ws', an extra data point) as a mutation on the user's own socket;
//             the peer's socket is subscribed to `events` and sees MESSAGE_SENT;
//   socketio  emit('msg', …) with an ack; the peer's socket gets 'm'.
// A message counts as delivered when its id arrives on the peer's socket; the
// latency is from the moment the send started to that receipt.
import WebSocket from 'ws';
import { announceReady, now, packFloats, serveParent } from './support.js';

interface ChatUser {
  id: string;
  peer: string;
  interviewId: string;
  token: string;
}

type Protocol = 'graphql-ws' | 'socketio';

const SEND = 'mutation Send($i: ID!, $b: String!) { sendMessage(interviewId: $i, body: $b) { id } }';

let protocol: Protocol = 'graphql-ws';
let sendOver: 'http' | 'ws' = 'http';
/** Mutations sent on a socket (send 'ws'), by operation id. */
const pendingOps = new Map<string, { resolve: (id: string) => void; reject: (err: Error) => void }>();
let opSeq = 0;
let httpUrl = '';
let users: ChatUser[] = [];
const sockets = new Map<string, WebSocket>();
/** messageId → send start; receipts that come before the id is known wait in `early`. */
const sentAt = new Map<string, number>();
const early = new Map<string, number>();
const receivedIds = new Set<string>();
let latencies: number[] = [];
let sent = 0;
let failed = 0;
const failures = new Map<string, number>();
let duplicates = 0;
let received = 0;
let ackSeq = 0;
const acks = new Map<number, (id: string) => void>();

function receipt(id: string, t: number) {
  if (receivedIds.has(id)) return void duplicates++;
  receivedIds.add(id);
  received++;
  const start = sentAt.get(id);
  if (start === undefined) early.set(id, t);
  else latencies.push(t - start);
}

function sendOk(id: string, start: number) {
  sent++;
  const t = early.get(id);
  if (t !== undefined) {
    early.delete(id);
    latencies.push(t - start);
  }
  sentAt.set(id, start);
}

function fail(why: string) {
  failed++;
  failures.set(why, (failures.get(why) ?? 0) + 1);
}

function open(u: ChatUser): Promise<string | null> {
  return new Promise((resolve) => {
    let ready = false;
    const done = (failure: string | null) => {
      if (ready) return;
      ready = failure === null;
      resolve(failure);
    };
    const url =
      protocol === 'graphql-ws'
        ? httpUrl.replace(/^http/, 'ws')
        : `${httpUrl.replace(/^http/, 'ws').replace(/\/graphql$/, '')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, protocol === 'graphql-ws' ? ['graphql-transport-ws'] : [], {
      perMessageDeflate: false,
    });
    sockets.set(u.id, ws);
    ws.on('error', (err) => done(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    ws.on('close', (code) => done(`closed ${code}`));
    ws.on('open', () => {
      if (protocol === 'graphql-ws')
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${u.token}` } }));
    });
    ws.on('message', (raw: Buffer) => {
      const t = now();
      const text = raw.toString('utf8');
      if (protocol === 'graphql-ws') {
        const m = JSON.parse(text) as {
          id?: string;
          type: string;
          payload?: { data?: { events?: { type: string; payload: { messageId?: string } } } };
        };
        if (m.type === 'connection_ack') {
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'subscription { events { id type at payload } }' },
            }),
          );
          return done(null);
        }
        if (m.type === 'ping') return ws.send('{"type":"pong"}');
        const op = m.id === undefined ? undefined : pendingOps.get(m.id);
        if (op && m.id !== undefined) {
          if (m.type === 'complete') return;
          pendingOps.delete(m.id);
          // next: an execution result; error: a list of GraphQL errors.
          const result = m.payload as {
            data?: { sendMessage?: { id: string } };
            errors?: { extensions?: { code?: string } }[];
          };
          const errors = m.type === 'error' ? (m.payload as unknown as typeof result.errors) : result.errors;
          const id = result.data?.sendMessage?.id;
          return id ? op.resolve(id) : op.reject(new Error(errors?.[0]?.extensions?.code ?? m.type));
        }
        const e = m.payload?.data?.events;
        if (e?.type === 'MESSAGE_SENT' && e.payload.messageId) receipt(e.payload.messageId, t);
      } else {
        if (text === '2') return ws.send('3');
        if (text.startsWith('0{')) return ws.send(`40${JSON.stringify({ user: u.id })}`);
        if (text.startsWith('40')) return done(null);
        if (text.startsWith('42')) {
          const [name, body] = JSON.parse(text.slice(2)) as [string, { id: string }];
          if (name === 'm') receipt(body.id, t);
        } else if (text.startsWith('43')) {
          const k = text.indexOf('[');
          const ack = acks.get(Number(text.slice(2, k)));
          acks.delete(Number(text.slice(2, k)));
          ack?.((JSON.parse(text.slice(k)) as [{ id: string }])[0].id);
        }
      }
    });
  });
}

async function sendOne(u: ChatUser, n: number): Promise<void> {
  const start = now();
  const body = `message ${n} from ${u.id.slice(0, 8)}`;
  try {
    if (protocol === 'graphql-ws' && sendOver === 'ws') {
      const ws = sockets.get(u.id)!;
      const opId = `s${++opSeq}`;
      const id = await new Promise<string>((resolve, reject) => {
        pendingOps.set(opId, { resolve, reject });
        ws.send(
          JSON.stringify({
            id: opId,
            type: 'subscribe',
            payload: { query: SEND, variables: { i: u.interviewId, b: body } },
          }),
          (err) => err && reject(err),
        );
      });
      sendOk(id, start);
    } else if (protocol === 'graphql-ws') {
      const res = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${u.token}` },
        body: JSON.stringify({ query: SEND, variables: { i: u.interviewId, b: body } }),
      });
      const json = (await res.json()) as {
        data?: { sendMessage?: { id: string } };
        errors?: { extensions?: { code?: string } }[];
      };
      const id = json.data?.sendMessage?.id;
      if (!id) return fail(json.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`);
      sendOk(id, start);
    } else {
      const ws = sockets.get(u.id)!;
      const k = ++ackSeq;
      const id = await new Promise<string>((resolve, reject) => {
        acks.set(k, resolve);
        ws.send(
          `42${k}${JSON.stringify(['msg', { interviewId: u.interviewId, to: u.peer, body }])}`,
          (err) => err && reject(err),
        );
      });
      sendOk(id, start);
    }
  } catch (err) {
    // fetch rejects with "fetch failed" and the reason (refused, reset, timed out) in its cause.
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    fail(e.code ?? (e.cause ? `${e.message}: ${e.cause.code ?? e.cause.message}` : e.message));
  }
}

serveParent(
  {
    async connect(arg: {
      protocol: Protocol;
      send: 'http' | 'ws';
      url: string;
      users: ChatUser[];
      concurrency: number;
    }) {
      protocol = arg.protocol;
      sendOver = arg.send;
      httpUrl = arg.url;
      users = arg.users;
      const failuresOpen = new Map<string, number>();
      let next = 0;
      let ready = 0;
      await Promise.all(
        Array.from({ length: arg.concurrency }, async () => {
          while (next < users.length) {
            const f = await open(users[next++]!);
            if (f === null) ready++;
            else failuresOpen.set(f, (failuresOpen.get(f) ?? 0) + 1);
          }
        }),
      );
      return { ready, failures: Object.fromEntries(failuresOpen) };
    },
    phase() {
      latencies = [];
      sent = 0;
      failed = 0;
      failures.clear();
      duplicates = 0;
      received = 0;
      return null;
    },
    /** Closed loop: every user sends its next message when the previous one was accepted, for `ms`. */
    async closed({ ms }: { ms: number }) {
      const until = now() + ms;
      let n = 0;
      await Promise.all(
        users.map(async (u) => {
          while (now() < until) await sendOne(u, n++);
        }),
      );
      return null;
    },
    /** Open loop: `rate` messages/s from this process, round-robin over its users, for `ms`. */
    async paced({ rate, ms }: { rate: number; ms: number }) {
      const t0 = now();
      const total = Math.floor((rate * ms) / 1000);
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = t0 + (i * 1000) / rate - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(sendOne(users[i % users.length]!, i));
      }
      await Promise.all(inFlight);
      return null;
    },
    /** Waits until every accepted message has reached its peer (or `ms`). */
    async drain({ ms }: { ms: number }) {
      const until = now() + ms;
      while (received < sent && now() < until) await new Promise((r) => setTimeout(r, 50));
      return null;
    },
    report() {
      let lost = 0;
      for (const id of sentAt.keys()) if (!receivedIds.has(id)) lost++;
      return {
        sent,
        failed,
        failures: Object.fromEntries(failures),
        received,
        duplicates,
        lost,
        unknown: early.size,
        latencies: packFloats(Float64Array.from(latencies)),
      };
    },
    async close() {
      for (const ws of sockets.values()) ws.terminate();
      sockets.clear();
      return null;
    },
  },
  () => {
    for (const ws of sockets.values()) ws.terminate();
  },
);
announceReady();
