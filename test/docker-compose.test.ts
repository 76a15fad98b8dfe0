// There is no Docker engine here, so docker-compose.yml and the Dockerfile are
// checked for structure: what Compose would resolve, and that the result is a
// configuration the API accepts.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

const root = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));
const read = (file: string) => fs.readFileSync(root(file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  configs?: { source: string; target: string }[];
}
interface Compose {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string }>;
}

// Compose resolves `<<` merge keys, so the parser must too.
const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const { services } = compose;
const APIS = ['api1', 'api2'] as const;

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, and $$ for a literal $. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const v = vars[name!];
    if (op === '?' && !v) throw new Error(`required variable ${name} is unset: ${arg}`);
    if (op === '-' && !v) return arg ?? '';
    return v ?? '';
  });
}

/** The nginx config as the container sees it. */
function nginxConf(): string {
  const nginx = services['nginx']!;
  const ref = nginx.configs?.find((c) => c.target.startsWith('/etc/nginx/'));
  expect(ref).toBeDefined();
  const raw = compose.configs?.[ref!.source]?.content;
  expect(typeof raw).toBe('string');
  return raw!;
}

describe('docker-compose.yml', () => {
  it('has postgres, redis, two API instances and nginx', () => {
    expect(Object.keys(services).sort()).toEqual(['api1', 'api2', 'nginx', 'postgres', 'redis']);
    expect(services['postgres']!.image).toMatch(/^postgres:16/);
    expect(services['redis']!.image).toMatch(/^redis:7/);
    expect(services['nginx']!.image).toMatch(/^nginx:1\.27/);
  });

  it.each(APIS)('%s is built from the Dockerfile with the production environment', (name) => {
    const api = services[name]!;
    expect(api.build).toBe('.');
    const env = api.environment!;
    expect(env['NODE_ENV']).toBe('production');
    expect(env['TRUST_PROXY']).toBe('true');
    expect(env['DATABASE_URL']).toMatch(/^postgres(ql)?:\/\/[^@]+@postgres:5432\//);
    expect(env['REDIS_URL']).toMatch(/^redis:\/\/redis:6379/);
    // Never a default secret: Compose refuses to start without one.
    expect(env['JWT_SECRET']).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
    expect(() => interpolate(env['JWT_SECRET']!, {})).toThrow(/JWT_SECRET/);
  });

  it('gives the instances distinct names', () => {
    const names = APIS.map((n) => services[n]!.environment!['INSTANCE_NAME']);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(names).size).toBe(APIS.length);
  });

  it.each(APIS)("%s's resolved environment is a configuration the API accepts", (name) => {
    const vars = { JWT_SECRET: 'x'.repeat(48) };
    const env = Object.fromEntries(
      Object.entries(services[name]!.environment!).map(([k, v]) => [k, interpolate(String(v), vars)]),
    );
    const config = loadConfig(env);
    expect(config).toMatchObject({
      env: 'production',
      trustProxy: true,
      instanceName: name,
      jwtSecret: vars.JWT_SECRET,
    });
    expect(config.databaseUrl).toBeDefined();
    expect(config.redisUrl).toBeDefined();
  });

  it('starts the APIs after healthy databases, and nginx after healthy APIs', () => {
    for (const svc of ['postgres', 'redis', ...APIS]) expect(services[svc]!.healthcheck?.test).toBeTruthy();
    for (const api of APIS) {
      expect(services[api]!.depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(String(services[api]!.healthcheck!.test)).toContain('/ready');
    }
    expect(services['nginx']!.depends_on).toMatchObject({
      api1: { condition: 'service_healthy' },
      api2: { condition: 'service_healthy' },
    });
  });

  it('publishes nginx on a host port that reaches the port nginx listens on', () => {
    const ports = services['nginx']!.ports ?? [];
    expect(ports).toHaveLength(1);
    const [host, container] = String(ports[0]).split(':');
    expect(Number(host)).toBe(8080);
    const conf = interpolate(nginxConf(), {});
    expect(conf).toMatch(new RegExp(`^\\s*listen ${container};`, 'm'));
  });

  it("escapes every nginx variable from Compose's interpolation", () => {
    // A single `$var` would be replaced by Compose with an empty string.
    expect(nginxConf().replace(/\$\$/g, '')).not.toContain('$');
  });

  it('balances across both instances and upgrades WebSockets', () => {
    const conf = interpolate(nginxConf(), {});
    const port = services['api1']!.environment!['PORT'];
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(conf);
    expect(upstream).not.toBeNull();
    for (const api of APIS) expect(upstream![2]).toMatch(new RegExp(`server ${api}:${port}\\b`));
    expect(conf).toContain(`proxy_pass http://${upstream![1]};`);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{[^}]*default upgrade;/);
    // X-Forwarded-For must not be client-controlled: the API trusts its first address.
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    const timeout = /proxy_read_timeout (\d+)([smh]?);/.exec(conf);
    expect(timeout).not.toBeNull();
    const seconds = Number(timeout![1]) * ({ s: 1, m: 60, h: 3600 }[timeout![2] || 's'] ?? 1);
    expect(seconds).toBeGreaterThanOrEqual(600);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on Node 20 and installs with npm install (npm ci fails on this lock)', () => {
    // A first stage builds the web app; the image itself starts from the same base.
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      'FROM node:20-bookworm-slim AS web',
      'FROM node:20-bookworm-slim',
    ]);
    expect(dockerfile).toMatch(/COPY --chown=node:node --from=web \/build\/web\/dist \.\/web\/dist/);
    const install = instructions.findIndex((l) => /^RUN npm install\b/.test(l));
    expect(install).toBeGreaterThan(0);
    expect(instructions.filter((l) => /\bnpm ci\b/.test(l))).toEqual([]);
    // The postinstall runs `prisma generate`, which needs the schema.
    const copiesPrisma = instructions.findIndex((l) => /^COPY .*\bprisma\b/.test(l));
    expect(copiesPrisma).toBeGreaterThan(0);
    expect(copiesPrisma).toBeLessThan(install);
  });

  it('runs npm start, whose script runs src/main.ts, with a shell that passes signals on', () => {
    const last = [...instructions].reverse().find((l) => /^(CMD|ENTRYPOINT)\b/.test(l));
    expect(last).toBe('CMD ["npm", "start"]');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    // Not the tsx CLI: it relays SIGTERM to a child process and SIGKILLs it when
    // the child has not acknowledged within 30 ms, e.g. while busy starting.
    expect(pkg.scripts['start']).toBe('node --import tsx src/main.ts');
    expect(dockerfile).toMatch(/NPM_CONFIG_SCRIPT_SHELL=\/bin\/bash/);
  });

  it('keeps local state out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.data', '.git']) expect(ignored).toContain(entry);
  });
});
