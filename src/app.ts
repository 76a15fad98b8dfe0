// buildApp(config) wires every part of one API instance and returns
// { start(port), stop() }, so tests and main.ts boot the same real server.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import type { Infra, Services } from './context.js';
import { createDatabase } from './infra/db.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './infra/embedded-postgres.js';
import { createLogger, type Logger } from './infra/logger.js';
import { createMetrics } from './infra/metrics.js';
import { migrate } from './infra/migrate.js';
import { createInstanceRegistry } from './infra/instance-registry.js';
import { createPresence } from './infra/presence.js';
import { serveGraphiQLAsset } from './graphiql.js';
import { createPersistedQueryStore } from './infra/persisted-queries.js';
import { createPubSub } from './infra/pubsub.js';
import { createPasswordHasher } from './infra/password-hasher.js';
import { createRateLimiter } from './infra/rate-limit.js';
import { scheduledJobs } from './jobs/registry.js';
import { startScheduler, type JobDefinition, type Scheduler } from './jobs/scheduler.js';
import { createWebStatic } from './infra/web-static.js';
import { createWsServer, WsCloseCode, type RealtimeServer } from './realtime/ws-server.js';
import { createAccounts } from './services/accounts.js';
import { createUserRows } from './services/user-rows.js';
import { createBookings } from './services/bookings.js';
import { createDevOutbox } from './services/dev-outbox.js';
import { createEmailSender } from './services/email-outbox.js';
import { createEvents } from './services/events.js';
import { createMatching } from './services/matching.js';
import { createChat } from './services/chat.js';
import { createInstantInterviews } from './services/instant-interviews.js';
import { createInterviews } from './services/interviews.js';
import { createUserPresence } from './services/presence.js';
import { createRealtimeStats } from './services/realtime-stats.js';
import { createCodePad } from './services/code-pad.js';
import { createQuestions, loadStarterQuestions } from './services/questions.js';
import { createReports } from './services/reports.js';
import { createMaintenance } from './services/maintenance.js';
import { OFFLINE_NOTICE_TYPES, createNotifications } from './services/notifications.js';
import { createProfiles } from './services/profiles.js';
import { createReminders } from './services/reminders.js';
import { serveUnsubscribe } from './unsubscribe-page.js';
import { createGraphQL } from './yoga.js';

const SHUTDOWN_DRAIN_MS = 8_000;
/** How long sockets get to receive SERVER_SHUTDOWN before they are closed; part of the drain. */
const SHUTDOWN_NOTICE_MS = 2_000;
const READY_CHECK_TIMEOUT_MS = 2_000;
/**
 * Idle keep-alive connections live this long (Node's default is 5 s). A client that runs behind
 * sends its next request on a socket the server has already closed and has not yet heard the
 * close: a POST is not retried, so the send fails ("other side closed", bench:chat's `fetch
 * failed`). Above the usual 60 s idle timeout of load balancers, which must close first.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface App {
  services: Services;
  infra: Infra;
  /** Null until start(); set when JOBS_ENABLED. */
  scheduler: Scheduler | null;
  /** The scheduled jobs this instance runs when JOBS_ENABLED. */
  jobs: readonly JobDefinition[];
  /** Resolves with the bound port (pass 0 for any free port). */
  start(port?: number): Promise<number>;
  stop(): Promise<void>;
  url(): string;
}

export async function buildApp(
  config: Config,
  opts: { log?: Logger; /** Built web app; default web/dist. */ webDist?: string } = {},
): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel, { instance: config.instanceName });
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, log);
    databaseUrl = embedded.url;
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) log.info({ applied }, 'migrations applied');

  const metrics = createMetrics();
  const database = createDatabase(databaseUrl, config.dbPoolSize, (err) =>
    log.warn({ err: err.message }, 'idle database connection failed'),
  );
  const { db, sql } = database;
  const pubsubHandle = createPubSub(config.redisUrl, (err) => log.warn({ err: err.message }, 'redis connection error'));
  if (!pubsubHandle.redis) log.info('REDIS_URL not set: single-instance mode (in-process pub/sub and rate limits)');
  const pubsub = pubsubHandle.engine;
  const limiter = createRateLimiter(pubsubHandle.redis, config.rateLimitPrefix);
  const hasher = createPasswordHasher({ ...config.argon2, onRun: (kind) => metrics.passwordHashes.inc({ kind }) });
  const listenEpoch = () => pubsubHandle.listenEpoch();
  const users = createUserRows({ sql, pubsub, listenEpoch, log });
  const accounts = createAccounts({
    db,
    sql,
    users,
    listenEpoch,
    config,
    limiter,
    hasher,
    pubsub,
    log,
  });
  const events = createEvents({ db, sql, pubsub, users, log });
  const bookings = createBookings({ db, sql, events, config });
  const matching = createMatching({ db, events, config });
  const presence = createPresence(pubsubHandle.redis, { ttlMs: config.presenceTtlMs });
  const maintenance = createMaintenance({ db, pubsub, events, config, log });
  const interviews = createInterviews({ db, events, config, presence, log, maintenance });
  const chat = createChat({ db, events, limiter });
  const userPresence = createUserPresence({ db, events, presence, log });
  const instant = createInstantInterviews({ db, events, limiter, presence: userPresence });
  const registry = createInstanceRegistry(pubsubHandle.redis, config.realtimeStatsPrefix);
  const realtimeStats = createRealtimeStats({
    registry,
    userPresence,
    pubsub,
    prefix: config.realtimeStatsPrefix,
    instanceName: config.instanceName,
    log,
  });
  const notifications = createNotifications({ db, events, config, userPresence, users, log });
  events.beforeStore([...OFFLINE_NOTICE_TYPES], (tx, stored) => notifications.offlineNotices(tx, stored));
  const reminders = createReminders({ events, config, notifications });
  const profiles = createProfiles({ events });
  const questions = createQuestions({ db });
  const added = await loadStarterQuestions(db);
  if (added) log.info({ added }, 'starter questions loaded');
  const codePad = createCodePad({ db, pubsub, limiter, log });
  const reports = createReports({ db, events, config, log });
  const devOutbox = createDevOutbox({ db, config });
  const services: Services = {
    ...{ accounts, users, events, bookings, matching, interviews, chat, userPresence, instant, realtimeStats },
    ...{ questions, codePad, reports, maintenance, notifications, reminders, profiles, devOutbox },
  };
  const infra: Infra = { config, db, sql, log, pubsub, limiter, presence };
  await maintenance.load();

  const yoga = createGraphQL(services, infra, metrics, createPersistedQueryStore(pubsubHandle.redis, log));
  const webApp = createWebStatic(opts.webDist);
  const httpServer = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => void route(req, res));
  // Requests Node's parser refuses (headers too large, malformed) get a coded body too.
  httpServer.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message = status === 431 ? 'Request headers (or the URL) are too large.' : 'Malformed HTTP request.';
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  let realtime: RealtimeServer | null = null;
  let scheduler: Scheduler | null = null;
  let stopping = false;

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (path === '/ready') {
      const checks = await readiness();
      const ok = !stopping && Object.values(checks).every((v) => v !== 'down');
      return json(res, ok ? 200 : 503, { status: ok ? 'ready' : stopping ? 'stopping' : 'not ready', checks });
    }
    if (path.startsWith('/reports/') && req.method === 'GET') {
      const got = await reports
        .download(path, new URL(req.url ?? '/', 'http://x').searchParams)
        .catch(() => ({ status: 500, message: 'Internal error.' }));
      if (!('pdf' in got) || !got.pdf) return json(res, got.status, { error: got.message });
      res.writeHead(200, {
        'content-type': 'application/pdf',
        'content-disposition': 'attachment; filename="mockmate-report.pdf"',
        'cache-control': 'private, no-store',
      });
      return res.end(got.pdf);
    }
    if (path === '/unsubscribe') return serveUnsubscribe(req, res, services, log);
    if (path === '/metrics') {
      metrics.openSockets.set(realtime?.socketCount() ?? 0);
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return res.end(await metrics.registry.metrics());
    }
    if (serveGraphiQLAsset(path, req, res)) return;
    if (path !== '/graphql' && webApp(req, res, path)) return;
    const refused = bodyRefusal(req, config.limits.httpMaxBodyBytes);
    if (refused) {
      // The unread body is not worth reading: the connection ends with the answer.
      res.setHeader('connection', 'close');
      return json(res, refused.status, {
        errors: [{ message: refused.message, extensions: { code: 'BAD_USER_INPUT' } }],
      });
    }
    return yoga(req, res);
  }

  async function readiness() {
    const check = (p: Promise<unknown>) =>
      Promise.race([
        p.then(() => 'ok' as const),
        new Promise<'down'>((r) => setTimeout(() => r('down'), READY_CHECK_TIMEOUT_MS).unref()),
      ]).catch(() => 'down' as const);
    const [database, redis] = await Promise.all([
      check(db.$queryRaw`SELECT 1`),
      pubsubHandle.redis ? check(pubsubHandle.redis.ping()) : Promise.resolve('disabled' as const),
    ]);
    return { database, redis };
  }

  const emails = config.smtpUrl ? createEmailSender({ db, smtpUrl: config.smtpUrl, from: config.smtpFrom, log }) : null;
  const jobs = scheduledJobs(services, config, emails);

  return {
    services,
    infra,
    jobs,
    get scheduler() {
      return scheduler;
    },
    url() {
      const addr = httpServer.address() as AddressInfo | null;
      return `http://127.0.0.1:${addr?.port ?? config.port}`;
    },
    async start(port = config.port) {
      const ws = await createWsServer({
        httpServer,
        yoga: yoga as never,
        services,
        infra,
        metrics,
        path: '/graphql',
        onChange: () => realtimeStats.changed(),
      });
      realtime = ws;
      realtimeStats.start(() => ws.stats());
      await maintenance.follow();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      if (config.jobsEnabled && jobs.length) {
        scheduler = await startScheduler({
          databaseUrl,
          poolSize: config.jobsDbPoolSize,
          instanceName: config.instanceName,
          jobs,
          log,
          metrics,
        });
      }
      const bound = (httpServer.address() as AddressInfo).port;
      log.info(
        { port: bound, app: `http://localhost:${bound}/`, graphql: `http://localhost:${bound}/graphql` },
        'MockMate listening',
      );
      return bound;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // Stop accepting; every live subscription gets SERVER_SHUTDOWN (its last event),
      // then sockets close with 1001 so clients go elsewhere; in-flight HTTP finishes
      // meanwhile, within one drain from the signal.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const drainTimer = setTimeout(() => httpServer.closeAllConnections(), SHUTDOWN_DRAIN_MS).unref();
      const noticeStarted = performance.now();
      const notice = await events.announceShutdown(SHUTDOWN_NOTICE_MS);
      log.info({ ...notice, ms: Math.round(performance.now() - noticeStarted) }, 'SERVER_SHUTDOWN sent');
      await realtime?.close(WsCloseCode.GoingAway, 'Server shutting down');
      await realtimeStats.close();
      maintenance.close();
      await closed;
      clearTimeout(drainTimer);
      await scheduler?.stop();
      await reports.close();
      // Socket close handlers still writing (PEER_LEFT, USER_OFFLINE) finish before the pools close.
      await interviews.close();
      await userPresence.close();
      chat.close();
      await accounts.close();
      await presence.close();
      await pubsubHandle.close();
      await database.close();
      await embedded?.stop();
      log.info('MockMate API stopped');
    },
  };
}

/**
 * HTTP_MAX_BODY_BYTES, checked on the declared length before anything is read; a body
 * without one (chunked) is refused, since every GraphQL client states it.
 */
function bodyRefusal(req: IncomingMessage, maxBytes: number): { status: 411 | 413; message: string } | null {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    return Number(declared) > maxBytes
      ? { status: 413, message: `The request body may be at most ${maxBytes} bytes.` }
      : null;
  }
  return req.headers['transfer-encoding']
    ? { status: 411, message: 'Send the request body with a Content-Length.' }
    : null;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
