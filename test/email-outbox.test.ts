// The send-emails job against a real SMTP server (smtp-server on a free local
// port): what the API queues in EmailOutbox is delivered once, failures are
// recorded and retried a bounded number of times, and two instances running
// the job at once never send the same email twice.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { scheduledJobs } from '../src/jobs/registry.js';
import { createEmailSender } from '../src/services/email-outbox.js';
import { graphql } from './generated/gql.js';
import { ok } from './support/client.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';

const OutboxRegister = graphql(`
  mutation OutboxRegister($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
      }
    }
  }
`);
const OutboxRequestReset = graphql(`
  mutation OutboxRequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

interface Received {
  from: string;
  to: string[];
  headers: string;
  text: string;
}

/** The message body as the recipient reads it (undoes quoted-printable or base64). */
function decode(raw: string): { headers: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return { headers, text: Buffer.from(body, 'base64').toString('utf8') };
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { headers, text: Buffer.from(bytes, 'latin1').toString('utf8') };
  }
  return { headers, text: body };
}

const received: Received[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('bounce')) {
      const err = Object.assign(new Error('No such mailbox'), { responseCode: 550 });
      return callback(err);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      received.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        ...decode(Buffer.concat(chunks).toString('latin1')),
      });
      callback();
    });
  },
});

let stack: Awaited<ReturnType<typeof startTestStack>>;
let smtpUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  // No SMTP_URL for the server itself: only the test runs the job, so nothing races it.
  stack = await startTestStack({ APP_URL: 'https://app.example.test' });
});
afterAll(async () => {
  await stack.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});
beforeEach(async () => {
  received.length = 0;
  await stack.db.query('DELETE FROM "EmailOutbox"');
});

const FROM = 'MockMate <no-reply@mockmate.local>';
const job = () => createEmailSender({ db: stack.app.infra.db, smtpUrl, from: FROM, log: stack.app.infra.log });

let n = 0;
async function requestReset(prefix = 'mail') {
  const email = `${prefix}${++n}-${Date.now()}@example.com`;
  await ok(stack.url, OutboxRegister, { input: { email, password: 'password123', name: 'Mel' } });
  // Registration's verification email is not what these tests deliver.
  await stack.db.query('DELETE FROM "EmailOutbox" WHERE "to" = $1', [email]);
  await ok(stack.url, OutboxRequestReset, { email });
  // The reset email is written just after the answer.
  await until(async () => (await outbox(email)).length > 0, `the reset email to ${email}`);
  return email;
}

const outbox = (email: string) =>
  stack.db.query<{ body: string; sentAt: Date | null; attempts: number; lastError: string | null }>(
    'SELECT body, "sentAt", attempts, "lastError" FROM "EmailOutbox" WHERE "to" = $1',
    [email],
  );

it('delivers a queued password reset with its link, marks it sent, and sends nothing the second time', async () => {
  const email = await requestReset();
  const [queued] = await outbox(email);
  expect(queued).toMatchObject({ sentAt: null, attempts: 0 });
  const link = /https:\/\/app\.example\.test\/reset-password\?token=[\w-]+/.exec(queued!.body)![0];

  const sendEmails = job();
  const config = { ...stack.app.infra.config, smtpUrl };
  expect(scheduledJobs(stack.app.services, config, sendEmails).map((j) => j.name)).toContain('send-emails');
  expect(await sendEmails.sendDue()).toEqual({ sent: 1 });

  expect(received).toHaveLength(1);
  const [mail] = received;
  expect(mail!.to).toEqual([email]);
  expect(mail!.from).toBe('no-reply@mockmate.local');
  expect(mail!.headers).toMatch(/^Subject: Reset your MockMate password$/m);
  expect(mail!.text).toContain(link);

  const [sent] = await outbox(email);
  expect(sent!.sentAt).toBeInstanceOf(Date);
  expect(sent!.attempts).toBe(1);

  expect(await sendEmails.sendDue()).toEqual({ sent: 0 });
  expect(received).toHaveLength(1);
});

it('records a rejected email, retries it on later runs, and gives up after 5 attempts', async () => {
  const good = await requestReset();
  const bounce = await requestReset('bounce');
  const sendEmails = job();

  expect(await sendEmails.sendDue()).toEqual({ sent: 1 });
  expect(received.map((m) => m.to)).toEqual([[good]]);
  const [failed] = await outbox(bounce);
  expect(failed).toMatchObject({ sentAt: null, attempts: 1 });
  expect(failed!.lastError).toMatch(/No such mailbox/);

  for (let attempt = 2; attempt <= 5; attempt++) {
    expect(await sendEmails.sendDue()).toEqual({ sent: 0 });
    expect((await outbox(bounce))[0]!.attempts).toBe(attempt);
  }
  // Five failures: the row is left alone from now on.
  await sendEmails.sendDue();
  expect((await outbox(bounce))[0]!.attempts).toBe(5);
  expect(received).toHaveLength(1);
});

it('sends each email once when two instances run the job at the same time', async () => {
  const emails = [await requestReset(), await requestReset(), await requestReset()];
  const results = await Promise.all([job().sendDue(), job().sendDue()]);
  const sent = results.reduce<number>((sum, r) => sum + r.sent, 0);
  expect(sent).toBe(emails.length);
  expect(received.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
});
