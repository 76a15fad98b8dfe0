// `npm run db:seed`: development users on DATABASE_URL, all with one printed
// password. Idempotent: users are upserted by email, so running it again
// resets their names, roles and password and creates nothing twice.
// Slots are not seeded: the planner job creates them when the server runs.
import argon2 from 'argon2';
import { createDb } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
// Registration's argon2id parameters, so these hashes verify exactly like the ones it writes.
import { ARGON2 } from '../src/infra/password-hasher.js';

const DEV_PASSWORD = process.env['SEED_PASSWORD'] || 'mockmate-dev';

const USERS = [
  { email: 'admin@mockmate.local', name: 'Ada Admin', role: 'ADMIN' },
  { email: 'alice@mockmate.local', name: 'Alice Anders', role: 'USER' },
  { email: 'bob@mockmate.local', name: 'Bob Brandt', role: 'USER' },
  { email: 'carol@mockmate.local', name: 'Carol Chen', role: 'USER' },
  { email: 'dave@mockmate.local', name: 'Dave Diaz', role: 'USER' },
] as const;

async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    throw new Error('DATABASE_URL is required (e.g. postgresql://postgres@127.0.0.1:5432/mockmate).');
  }
  if (process.env['NODE_ENV'] === 'production') {
    throw new Error('Refusing to seed users with a known password when NODE_ENV=production.');
  }
  if (DEV_PASSWORD.length < 8) throw new Error('SEED_PASSWORD must be at least 8 characters.');

  const applied = await migrate(url);
  if (applied.length) console.log(`applied migrations: ${applied.join(', ')}`);

  const db = createDb(url, 2);
  try {
    const passwordHash = await argon2.hash(DEV_PASSWORD, ARGON2);
    for (const u of USERS) {
      await db.user.upsert({
        where: { email: u.email },
        // Verified: they are ours, and ADMIN_EMAILS grants ADMIN only to verified addresses.
        create: { email: u.email, name: u.name, role: u.role, passwordHash, emailVerifiedAt: new Date() },
        update: { name: u.name, role: u.role, passwordHash, emailVerifiedAt: new Date() },
      });
    }
  } finally {
    await db.$disconnect();
  }

  console.log(`seeded ${USERS.length} users, password "${DEV_PASSWORD}":`);
  for (const u of USERS) console.log(`  ${u.email.padEnd(24)} ${u.role}`);
  console.log(
    'Roles are re-derived from ADMIN_EMAILS at sign-in: start the server with ADMIN_EMAILS=admin@mockmate.local.',
  );
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
