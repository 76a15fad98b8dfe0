// Child process: the WebSocket baselines of bench:fanout and bench:connections.
//   socketio  Socket.IO 4 (websocket transport) with @socket.io/redis-adapter;
//             every client joins room BENCH_ROOM on connection (with
//             BENCH_SIO_ROOMS=user: room `user:<auth.user>` of its CONNECT
//             packet instead); broadcasts reach it from another node (the
//             orchestrator) through Redis.
//   ws        a bare `ws` server subscribed to Redis channel BENCH_CHANNEL; each
//             message is broadcast as-is (one Buffer, sent to every client).
//   sio-chat  what a team would build for chat instead (bench:chat): Socket.IO 4
//             with the redis-adapter; each socket joins `user:<auth.user>`; a
//             'msg' inserts the message into PostgreSQL (DATABASE_URL, a pool
//             of 10 as the app's), then emits it to the peer's room and acks.
// All listen on 127.0.0.1 and a free port; permessage-deflate is off, as in
// the app's graphql-ws server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import pg from 'pg';
import { WebSocketServer, WebSocket } from 'ws';
import { announceFatal, announceReady, serveParent } from './support.js';

const kind = process.argv[2];
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const stops: (() => Promise<unknown> | void)[] = [];
serveParent({ sockets: () => count() }, async () => {
  for (const s of stops.reverse()) await s();
});

let count: () => number = () => 0;

try {
  const http = createServer((_req, res) => res.writeHead(404).end());
  if (kind === 'socketio') {
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    const io = new Server(http, {
      transports: ['websocket'],
      serveClient: false,
      perMessageDeflate: false,
      adapter: createAdapter(pub, sub, { key: process.env['BENCH_SIO_KEY'] ?? 'socket.io' }),
    });
    const room = process.env['BENCH_ROOM'] ?? 'bench';
    const perUser = process.env['BENCH_SIO_ROOMS'] === 'user';
    io.on('connection', (socket) => void socket.join(perUser ? `user:${String(socket.handshake.auth['user'])}` : room));
    count = () => io.of('/').sockets.size;
    stops.push(async () => {
      await new Promise<void>((r) => void io.close(() => r()));
      await Promise.allSettled([pub.quit(), sub.quit()]);
    });
  } else if (kind === 'sio-chat') {
    const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 10 });
    await pool.query(`CREATE TABLE IF NOT EXISTS bench_chat_message (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), interview_id uuid NOT NULL, sender_id uuid NOT NULL,
      body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    const io = new Server(http, {
      transports: ['websocket'],
      serveClient: false,
      perMessageDeflate: false,
      adapter: createAdapter(pub, sub, { key: process.env['BENCH_SIO_KEY'] ?? 'socket.io' }),
    });
    io.on('connection', (socket) => {
      const user = String(socket.handshake.auth['user']);
      void socket.join(`user:${user}`);
      socket.on('msg', async (m: { interviewId: string; to: string; body: string }, ack: (r: unknown) => void) => {
        const { rows } = await pool.query<{ id: string; created_at: Date }>(
          'INSERT INTO bench_chat_message (interview_id, sender_id, body) VALUES ($1, $2, $3) RETURNING id, created_at',
          [m.interviewId, user, m.body],
        );
        const row = rows[0]!;
        io.to(`user:${m.to}`).emit('m', {
          id: row.id,
          interviewId: m.interviewId,
          senderId: user,
          body: m.body,
          at: row.created_at,
        });
        ack({ id: row.id });
      });
    });
    count = () => io.of('/').sockets.size;
    stops.push(async () => {
      await io.close();
      await Promise.allSettled([pub.quit(), sub.quit(), pool.end()]);
    });
  } else if (kind === 'ws') {
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    const sub = new Redis(redisUrl);
    await sub.subscribe(process.env['BENCH_CHANNEL'] ?? 'bench');
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(message, { binary: false });
    });
    count = () => wss.clients.size;
    stops.push(async () => {
      await sub.quit();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    });
  } else {
    throw new Error(`unknown baseline ${kind}`);
  }
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  announceReady({ port: (http.address() as AddressInfo).port });
} catch (err) {
  announceFatal(err);
}
