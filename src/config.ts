// Configuration is read from the environment once, at start, and validated
// here so a bad value stops the process with a message naming the variable.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_GRID, type PlannerGrid } from './domain/slots.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const minutes = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a number of minutes` })
    .int()
    .min(0)
    .default(fallback);

const count = (name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min)
    .max(max)
    .default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'DATABASE_URL must be a postgres:// URL' }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// URL' }).optional(),
  JWT_SECRET: z.string().optional(),
  ADMIN_EMAILS: z.string().default(''),
  APP_URL: z.url({ error: 'APP_URL must be an absolute URL' }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must be an smtp:// or smtps:// URL' }).optional(),
  SMTP_FROM: z.string().default('MockMate <no-reply@mockmate.local>'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATA_DIR: z.string().default('.data'),
  WAITING_ROOM_OPENS_MINUTES: minutes('WAITING_ROOM_OPENS_MINUTES', 10),
  MATCH_INTERVAL: z.string().default('10 seconds'),
  NO_SHOW_MINUTES: minutes('NO_SHOW_MINUTES', 5),
  SESSION_GRACE_MINUTES: minutes('SESSION_GRACE_MINUTES', 15),
  PLANNER_FROM_HOUR: z.coerce.number().int().min(0).max(23).default(8),
  PLANNER_TO_HOUR: z.coerce.number().int().min(1).max(24).default(22),
  PLANNER_EVERY_HOURS: z.coerce.number().int().min(1).max(24).default(2),
  PLANNER_DURATION_MINUTES: z.coerce.number().int().min(15).max(240).default(60),
  PLANNER_DAYS_AHEAD: z.coerce.number().int().min(0).max(60).default(7),
  PLANNER_SOON_MINUTES: z.coerce.number().int().min(0).max(60).optional(),
  DEV_OUTBOX: z.enum(['true', 'false'], { error: 'DEV_OUTBOX must be true or false' }).optional(),
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  REMINDER_MINUTES: z.coerce
    .number({ error: 'REMINDER_MINUTES must be a number of minutes' })
    .int('REMINDER_MINUTES must be a whole number of minutes')
    .min(1, 'REMINDER_MINUTES must be at least 1')
    .max(1440, 'REMINDER_MINUTES must be at most 1440')
    .default(15),
  MAINTENANCE: z
    .enum(['true', 'false'], { error: 'MAINTENANCE must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  MAINTENANCE_MESSAGE: z.string().max(500, 'MAINTENANCE_MESSAGE must be at most 500 characters').optional(),
  PRESENCE_TTL_SECONDS: z.coerce
    .number({ error: 'PRESENCE_TTL_SECONDS must be a number of seconds' })
    .int()
    .min(3)
    .max(3600)
    .default(60),
  JOBS_ENABLED: z
    .enum(['true', 'false'], { error: 'JOBS_ENABLED must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  INSTANCE_NAME: z.string().optional(),
  RATE_LIMIT_PREFIX: z.string().default('rl:'),
  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: count('LOGIN_FAILURES_PER_ACCOUNT_ADDRESS', 10),
  LOGIN_FAILURES_PER_ADDRESS: count('LOGIN_FAILURES_PER_ADDRESS', 100),
  LOGIN_FAILURES_PER_ACCOUNT: count('LOGIN_FAILURES_PER_ACCOUNT', 100),
  REGISTRATIONS_PER_ADDRESS: count('REGISTRATIONS_PER_ADDRESS', 20),
  PASSWORD_RESETS_PER_ADDRESS: count('PASSWORD_RESETS_PER_ADDRESS', 20),
  ARGON2_CONCURRENCY: count('ARGON2_CONCURRENCY', 2),
  ARGON2_QUEUE: count('ARGON2_QUEUE', 32, 0),
  REFRESH_GRACE_SECONDS: count('REFRESH_GRACE_SECONDS', 5, 0).pipe(
    z.number().max(300, 'REFRESH_GRACE_SECONDS must be at most 300'),
  ),
  REALTIME_STATS_PREFIX: z.string().default('realtime:'),
  TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'TRUST_PROXY must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  ACCESS_TOKEN_TTL_SECONDS: count('ACCESS_TOKEN_TTL_SECONDS', 15 * 60, 1, 24 * 3600),
  HTTP_MAX_BODY_BYTES: count('HTTP_MAX_BODY_BYTES', 64 * 1024, 1024),
  WS_MAX_MESSAGE_BYTES: count('WS_MAX_MESSAGE_BYTES', 64 * 1024, 1024),
  WS_MAX_OPERATIONS_PER_SOCKET: count('WS_MAX_OPERATIONS_PER_SOCKET', 32),
  WS_MAX_SOCKETS_PER_ADDRESS: count('WS_MAX_SOCKETS_PER_ADDRESS', 200),
  WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: count('WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS', 20, 0),
  ANONYMOUS_OPERATIONS_PER_MINUTE: count('ANONYMOUS_OPERATIONS_PER_MINUTE', 300),
  CORS_ORIGINS: z.string().optional(),
  DB_POOL_SIZE: count('DB_POOL_SIZE', 10),
  JOBS_DB_POOL_SIZE: count('JOBS_DB_POOL_SIZE', 3),
  ZEGO_APP_ID: z.coerce
    .number({ error: 'ZEGO_APP_ID must be a number' })
    .int('ZEGO_APP_ID must be a whole number')
    .positive('ZEGO_APP_ID must be positive')
    .max(0xffff_ffff, 'ZEGO_APP_ID must fit in 32 bits')
    .optional(),
  ZEGO_SERVER_SECRET: z
    .string()
    .regex(/^[\x21-\x7e]{32}$/, 'ZEGO_SERVER_SECRET must be exactly 32 ASCII characters')
    .optional(),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Unset means: boot embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** Unset means: single instance, in-process pub/sub and rate limits. */
  redisUrl: string | undefined;
  jwtSecret: string;
  adminEmails: ReadonlySet<string>;
  appUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
  waitingRoomOpensMinutes: number;
  matchInterval: string;
  noShowMinutes: number;
  sessionGraceMinutes: number;
  jobsEnabled: boolean;
  /** The planner job's grid (UTC). */
  planner: PlannerGrid;
  /** Development only: keep a slot of each type starting within this many minutes (0: off). */
  plannerSoonMinutes: number;
  /** Query.devOutbox answers (development, or DEV_OUTBOX=true): emails readable where no SMTP is set up. */
  devOutbox: boolean;
  eventRetentionDays: number;
  /** SLOT_REMINDER (and its email) this many minutes before a booked slot starts. */
  reminderMinutes: number;
  /** MAINTENANCE=true: switch maintenance mode on at boot (it stays on until setMaintenance(false)). */
  maintenanceAtBoot: boolean;
  /** The message of the maintenance MAINTENANCE=true switches on. */
  maintenanceMessage: string | null;
  /** How long a socket counts as online after its instance last refreshed it. */
  presenceTtlMs: number;
  instanceName: string;
  /** Take the client IP from X-Forwarded-For (behind nginx). */
  trustProxy: boolean;
  /** Namespace of rate-limit keys in Redis. */
  rateLimitPrefix: string;
  /** Thresholds of the sign-in and account limits (their windows are in domain/account.ts). */
  authLimits: AuthLimits;
  /** Password hashes (argon2) one instance runs at once, and how many more may wait for a turn. */
  argon2: { concurrency: number; queue: number };
  /** How long a just-rotated refresh token still returns the pair that replaced it (parallel refreshes). */
  refreshGraceMs: number;
  /** Namespace of the instances' realtime counts in Redis: one per deployment. */
  realtimeStatsPrefix: string;
  accessTokenTtlSeconds: number;
  /** Resource limits of one instance (see the README's Security section). */
  limits: {
    httpMaxBodyBytes: number;
    wsMaxMessageBytes: number;
    wsMaxOperationsPerSocket: number;
    /** Per client address, on this instance. */
    wsMaxSocketsPerAddress: number;
    wsMaxAnonymousSocketsPerAddress: number;
    /** Per client address, across instances (the shared rate limiter). */
    anonymousOperationsPerMinute: number;
  };
  /** Browser origins allowed to call the API: '*' (any, without credentials) or a list of origins. */
  corsOrigins: '*' | ReadonlySet<string>;
  /** Connections of the application pool and of the job scheduler's pool. */
  dbPoolSize: number;
  jobsDbPoolSize: number;
  /** ZEGOCLOUD video credentials; null (both unset) means Interview.video is null. */
  zego: { appId: number; serverSecret: string } | null;
}

export interface AuthLimits {
  /** Failed sign-ins to one account from one address, per LOGIN_WINDOWS.accountAddress. */
  loginPerAccountAddress: number;
  /** Failed sign-ins from one address to any accounts, per LOGIN_WINDOWS.address. */
  loginPerAddress: number;
  /** Failed sign-ins to one account from addresses it never signed in from, per LOGIN_WINDOWS.account. */
  loginPerAccount: number;
  /** register calls per address per hour. */
  registerPerAddress: number;
  /** resetPassword calls per address per hour. */
  resetPasswordPerAddress: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwtSecret: resolveJwtSecret(e.JWT_SECRET, e.NODE_ENV, dataDir),
    adminEmails: new Set(
      e.ADMIN_EMAILS.split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
    appUrl: appUrl(e.APP_URL, e.PORT),
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    logLevel: e.LOG_LEVEL,
    dataDir,
    waitingRoomOpensMinutes: e.WAITING_ROOM_OPENS_MINUTES,
    matchInterval: e.MATCH_INTERVAL,
    noShowMinutes: e.NO_SHOW_MINUTES,
    sessionGraceMinutes: e.SESSION_GRACE_MINUTES,
    jobsEnabled: e.JOBS_ENABLED,
    planner: {
      fromHour: e.PLANNER_FROM_HOUR,
      toHour: e.PLANNER_TO_HOUR,
      everyHours: e.PLANNER_EVERY_HOURS,
      durationMinutes: e.PLANNER_DURATION_MINUTES,
      daysAhead: e.PLANNER_DAYS_AHEAD,
      types: DEFAULT_GRID.types,
    },
    plannerSoonMinutes: resolveSoonMinutes(e.PLANNER_SOON_MINUTES, e.NODE_ENV),
    devOutbox: e.DEV_OUTBOX ? e.DEV_OUTBOX === 'true' : e.NODE_ENV === 'development',
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    reminderMinutes: e.REMINDER_MINUTES,
    maintenanceAtBoot: e.MAINTENANCE,
    maintenanceMessage: e.MAINTENANCE_MESSAGE?.trim() || null,
    presenceTtlMs: e.PRESENCE_TTL_SECONDS * 1000,
    instanceName: e.INSTANCE_NAME ?? `api-${process.pid}`,
    trustProxy: e.TRUST_PROXY,
    rateLimitPrefix: e.RATE_LIMIT_PREFIX,
    authLimits: {
      loginPerAccountAddress: e.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
      loginPerAddress: e.LOGIN_FAILURES_PER_ADDRESS,
      loginPerAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
      registerPerAddress: e.REGISTRATIONS_PER_ADDRESS,
      resetPasswordPerAddress: e.PASSWORD_RESETS_PER_ADDRESS,
    },
    argon2: { concurrency: e.ARGON2_CONCURRENCY, queue: e.ARGON2_QUEUE },
    refreshGraceMs: e.REFRESH_GRACE_SECONDS * 1000,
    realtimeStatsPrefix: e.REALTIME_STATS_PREFIX,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    limits: {
      httpMaxBodyBytes: e.HTTP_MAX_BODY_BYTES,
      wsMaxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      wsMaxOperationsPerSocket: e.WS_MAX_OPERATIONS_PER_SOCKET,
      wsMaxSocketsPerAddress: e.WS_MAX_SOCKETS_PER_ADDRESS,
      wsMaxAnonymousSocketsPerAddress: e.WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS,
      anonymousOperationsPerMinute: e.ANONYMOUS_OPERATIONS_PER_MINUTE,
    },
    corsOrigins: resolveCorsOrigins(e.CORS_ORIGINS, e.NODE_ENV, appUrl(e.APP_URL, e.PORT)),
    dbPoolSize: e.DB_POOL_SIZE,
    jobsDbPoolSize: e.JOBS_DB_POOL_SIZE,
    zego: resolveZego(e.ZEGO_APP_ID, e.ZEGO_SERVER_SECRET),
  };
}

/**
 * CORS_ORIGINS: `*` or comma-separated origins (scheme://host[:port]). Unset: any origin
 * (without credentials) outside production, APP_URL's origin in production.
 */
function resolveCorsOrigins(given: string | undefined, nodeEnv: string, appUrl: string): Config['corsOrigins'] {
  if (given === undefined) return nodeEnv === 'production' ? new Set([new URL(appUrl).origin]) : '*';
  const items = given
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 1 && items[0] === '*') return '*';
  const origins = new Set<string>();
  for (const item of items) {
    let origin: string | null = null;
    try {
      const url = new URL(item);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item.replace(/\/+$/, ''))
        origin = url.origin;
    } catch {
      // reported below
    }
    if (!origin)
      throw new ConfigError(
        `Invalid configuration:\n  CORS_ORIGINS: "${item}" is not an origin (scheme://host[:port]) or "*"`,
      );
    origins.add(origin);
  }
  return origins;
}

/** Video needs both settings; one without the other is a mistake, not "video off". */
function resolveZego(appId: number | undefined, serverSecret: string | undefined): Config['zego'] {
  if (appId === undefined && serverSecret === undefined) return null;
  if (appId === undefined || serverSecret === undefined) {
    const missing = appId === undefined ? 'ZEGO_APP_ID' : 'ZEGO_SERVER_SECRET';
    throw new ConfigError(
      `Invalid configuration:\n  ${missing}: required when ${missing === 'ZEGO_APP_ID' ? 'ZEGO_SERVER_SECRET' : 'ZEGO_APP_ID'} is set`,
    );
  }
  return { appId, serverSecret };
}

/** By default links lead to the web app this process serves. */
const appUrl = (given: string | undefined, port: number) =>
  (given ?? `http://localhost:${port || 4000}`).replace(/\/+$/, '');

/** On by default in development, so a newcomer always finds a slot about to start; never in production. */
function resolveSoonMinutes(given: number | undefined, nodeEnv: string): number {
  if (nodeEnv === 'production' && given) {
    throw new ConfigError(
      'Invalid configuration:\n  PLANNER_SOON_MINUTES: development only (unset it when NODE_ENV=production)',
    );
  }
  return given ?? (nodeEnv === 'development' ? 10 : 0);
}

const MIN_SECRET_LENGTH = 32;

/** Production must be given a strong secret; development keeps a generated one under dataDir so tokens survive restarts. */
function resolveJwtSecret(given: string | undefined, nodeEnv: string, dataDir: string): string {
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`Invalid configuration:\n  JWT_SECRET: must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return given;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
