// loadConfig is pure apart from the development secret file: no services here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRET = 's'.repeat(32);

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-config-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const configError = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig({ DATA_DIR: tmp, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
};

describe('defaults', () => {
  it('needs nothing but a secret', () => {
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({
      env: 'development',
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      redisUrl: undefined,
      jwtSecret: SECRET,
      adminEmails: new Set(),
      appUrl: 'http://localhost:4000',
      plannerSoonMinutes: 10,
      devOutbox: true,
      smtpUrl: undefined,
      smtpFrom: 'MockMate <no-reply@mockmate.local>',
      logLevel: 'info',
      dataDir: path.resolve('.data'),
      waitingRoomOpensMinutes: 10,
      matchInterval: '10 seconds',
      noShowMinutes: 5,
      sessionGraceMinutes: 15,
      jobsEnabled: true,
      instanceName: `api-${process.pid}`,
      trustProxy: false,
      rateLimitPrefix: 'rl:',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, PORT: '', DATABASE_URL: '', LOG_LEVEL: '' })).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      logLevel: 'info',
    });
  });

  it('reads every value it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8081',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://u:p@db:5432/mm',
      REDIS_URL: 'rediss://cache:6380',
      JWT_SECRET: SECRET,
      APP_URL: 'https://mockmate.example/',
      SMTP_URL: 'smtps://user:pass@mail.example:465',
      SMTP_FROM: 'MM <mm@example.com>',
      LOG_LEVEL: 'warn',
      DATA_DIR: tmp,
      WAITING_ROOM_OPENS_MINUTES: '3',
      MATCH_INTERVAL: '30 seconds',
      NO_SHOW_MINUTES: '0',
      SESSION_GRACE_MINUTES: '60',
      JOBS_ENABLED: 'false',
      INSTANCE_NAME: 'api7',
      TRUST_PROXY: 'true',
      RATE_LIMIT_PREFIX: 'x:',
    });
    expect(config).toMatchObject({
      env: 'production',
      port: 8081,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://u:p@db:5432/mm',
      redisUrl: 'rediss://cache:6380',
      appUrl: 'https://mockmate.example', // trailing slash dropped: links are built on it
      smtpUrl: 'smtps://user:pass@mail.example:465',
      smtpFrom: 'MM <mm@example.com>',
      logLevel: 'warn',
      dataDir: tmp,
      waitingRoomOpensMinutes: 3,
      matchInterval: '30 seconds',
      noShowMinutes: 0,
      sessionGraceMinutes: 60,
      jobsEnabled: false,
      instanceName: 'api7',
      trustProxy: true,
      rateLimitPrefix: 'x:',
      plannerSoonMinutes: 0,
      devOutbox: false,
    });
  });
});

describe('development helpers', () => {
  it('link to the app this process serves, on its port, unless APP_URL says otherwise', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, PORT: '4150' }).appUrl).toBe('http://localhost:4150');
    expect(loadConfig({ JWT_SECRET: SECRET, PORT: '4150', APP_URL: 'https://app.example' }).appUrl).toBe(
      'https://app.example',
    );
  });

  it('keep a slot starting soon and show the outbox in development only, unless set', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test' })).toMatchObject({
      plannerSoonMinutes: 0,
      devOutbox: false,
    });
    expect(
      loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test', PLANNER_SOON_MINUTES: '5', DEV_OUTBOX: 'true' }),
    ).toMatchObject({
      plannerSoonMinutes: 5,
      devOutbox: true,
    });
    expect(loadConfig({ JWT_SECRET: SECRET, DEV_OUTBOX: 'false', PLANNER_SOON_MINUTES: '0' })).toMatchObject({
      plannerSoonMinutes: 0,
      devOutbox: false,
    });
    expect(configError({ NODE_ENV: 'production', JWT_SECRET: SECRET, PLANNER_SOON_MINUTES: '5' })).toMatch(
      /PLANNER_SOON_MINUTES: development only/,
    );
  });
});

describe('JWT_SECRET', () => {
  it('is required in production', () => {
    expect(configError({ NODE_ENV: 'production' })).toMatch(/JWT_SECRET: required when NODE_ENV=production/);
    expect(fs.readdirSync(tmp)).toEqual([]); // and nothing is generated for it
  });

  it('must be at least 32 characters, in any environment', () => {
    for (const NODE_ENV of ['production', 'development', 'test']) {
      expect(configError({ NODE_ENV, JWT_SECRET: 's'.repeat(31) })).toMatch(
        /JWT_SECRET: must be at least 32 characters/,
      );
    }
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
  });

  it('is generated once under DATA_DIR in development and reused after that', () => {
    const dataDir = path.join(tmp, 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dataDir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, 'jwt-secret');
    expect(fs.readFileSync(file, 'utf8')).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).jwtSecret).toBe(first);
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test' }).jwtSecret).toBe(first);
    // Another data directory is another installation.
    expect(loadConfig({ DATA_DIR: path.join(tmp, 'other') }).jwtSecret).not.toBe(first);
  });

  it('given explicitly, wins over the generated one', () => {
    const generated = loadConfig({ DATA_DIR: tmp }).jwtSecret;
    expect(loadConfig({ DATA_DIR: tmp, JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
    expect(generated).not.toBe(SECRET);
  });
});

describe('reach and maintenance', () => {
  it('reminds 15 minutes ahead and leaves maintenance off by default', () => {
    expect(loadConfig({ DATA_DIR: tmp, JWT_SECRET: SECRET })).toMatchObject({
      reminderMinutes: 15,
      maintenanceAtBoot: false,
      maintenanceMessage: null,
    });
  });

  it('reads REMINDER_MINUTES, MAINTENANCE and MAINTENANCE_MESSAGE', () => {
    const config = loadConfig({
      DATA_DIR: tmp,
      JWT_SECRET: SECRET,
      REMINDER_MINUTES: '30',
      MAINTENANCE: 'true',
      MAINTENANCE_MESSAGE: ' Back soon ',
    });
    expect(config).toMatchObject({ reminderMinutes: 30, maintenanceAtBoot: true, maintenanceMessage: 'Back soon' });
  });
});

describe('ADMIN_EMAILS', () => {
  it('is a comma-separated list, trimmed and lower-cased, blanks ignored', () => {
    const { adminEmails } = loadConfig({
      JWT_SECRET: SECRET,
      ADMIN_EMAILS: ' Boss@Example.com, ,OTHER@x.io,, boss@example.com ',
    });
    expect([...adminEmails].sort()).toEqual(['boss@example.com', 'other@x.io']);
  });
});

describe('invalid values', () => {
  it.each([
    ['NODE_ENV', 'staging'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'mysql://localhost/mm'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['APP_URL', 'mockmate.example'],
    ['SMTP_URL', 'http://mail.example'],
    ['LOG_LEVEL', 'loud'],
    ['WAITING_ROOM_OPENS_MINUTES', 'ten'],
    ['NO_SHOW_MINUTES', '-5'],
    ['SESSION_GRACE_MINUTES', '1.5'],
    ['JOBS_ENABLED', 'yes'],
    ['TRUST_PROXY', '1'],
    ['REMINDER_MINUTES', '0'],
    ['REMINDER_MINUTES', '2.5'],
    ['MAINTENANCE', 'on'],
    ['MAINTENANCE_MESSAGE', 'x'.repeat(501)],
  ])('%s=%s is refused with a message naming it', (name, value) => {
    const message = configError({ JWT_SECRET: SECRET, [name]: value });
    expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });

  it('names every bad variable at once', () => {
    const message = configError({ JWT_SECRET: SECRET, PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'x' });
    for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(message).toContain(`${name}:`);
  });
});

describe('README.md', () => {
  it('documents every variable src/config.ts reads', () => {
    const source = fs.readFileSync(fileURLToPath(new URL('../src/config.ts', import.meta.url)), 'utf8');
    const schema = /const envSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(source);
    expect(schema).not.toBeNull();
    const variables = [...schema![1]!.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
    expect(variables).toEqual(expect.arrayContaining(['NODE_ENV', 'PORT', 'DATABASE_URL', 'JWT_SECRET']));
    const readme = fs.readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const undocumented = variables.filter((v) => !new RegExp(`^\\| \`${v}\` \\|`, 'm').test(readme));
    expect(undocumented).toEqual([]);
  });
});
