// The web app in two real Chromium contexts against a real server started
// in-process (serving the built web/dist): the whole interview, password reset
// through the dev outbox, an instant interview, and a server restart in the
// middle of a session. axe-core checks every screen; screenshots go to
// test/artifacts/.
import type { BrowserContext, Page } from 'playwright-core';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { graphql } from '../generated/gql.js';
import { ok } from '../support/client.js';
import { createSlot, registerAdmin, type TestUser } from '../support/fixtures.js';
import { launchChromium, screenshot, seriousA11yViolations } from '../support/browser.js';
import { startTestStack } from '../support/server.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

const Pair = graphql(`
  mutation BrowserPair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let app: App;
let base: string;
let gqlUrl: string;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let admin: TestUser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startTestStack({ DEV_OUTBOX: 'true', ADMIN_EMAILS: 'browser-admin@example.com' });
  app = stack.app;
  base = stack.url.replace(/\/graphql$/, '');
  gqlUrl = stack.url;
  stack.env['APP_URL'] = base;
  // Reset links lead to this server's app.
  await restartServer();
  admin = await registerAdmin(gqlUrl, stack.db.url, 'browser-admin@example.com');
  chromium = await launchChromium();
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await chromium?.close();
  await app?.stop();
  await stack?.db.drop();
});

/** Stops the server and starts a new one on the same port and database, as a deploy would. */
async function restartServer() {
  const port = Number(new URL(base).port);
  await app.stop();
  app = await buildApp(loadConfig(stack.env));
  await app.start(port);
}

async function newPage(): Promise<Page> {
  const context = await chromium.browser.newContext({ viewport: { width: 1200, height: 860 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => m.type() === 'error' && console.log('browser console:', m.text()));
  page.on('pageerror', (e) => console.log('page error:', e.message));
  return page;
}

const a11y: Record<string, string[]> = {};
/** Screenshot and axe-core for the screen as it is now. */
async function check(page: Page, name: string) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenshot(page, name);
  a11y[name] = await seriousA11yViolations(page);
  expect({ screen: name, violations: a11y[name] }).toEqual({ screen: name, violations: [] });
}

let n = 0;
async function signUp(page: Page, name: string) {
  const email = `${name.toLowerCase()}-${Date.now()}-${++n}@example.com`;
  await page.goto(`${base}/signup`);
  await page.getByTestId('signup-name').fill(name);
  await page.getByTestId('signup-email').fill(email);
  await page.getByTestId('signup-password').fill('password123');
  await page.getByTestId('signup-submit').click();
  await page.waitForURL(`${base}/slots`);
  return email;
}

const messages = (page: Page) => page.getByTestId('chat-message');

async function send(page: Page, text: string) {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
  await expectMessage(page, text);
}
async function expectMessage(page: Page, text: string) {
  await messages(page).filter({ hasText: text }).first().waitFor();
}
async function messageIds(page: Page) {
  return messages(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-message-id')));
}

describe('the whole interview in two browsers', () => {
  let alice: Page;
  let bob: Page;
  let interviewUrl: string;

  it('signs both up', async () => {
    alice = await newPage();
    bob = await newPage();
    await alice.goto(`${base}/signup`);
    await check(alice, 'signup');
    await signUp(alice, 'Alice');
    await signUp(bob, 'Bob');
    await alice.getByTestId('logout').waitFor();
  });

  it('books the same slot, joins the waiting room and gets matched', async () => {
    const slot = await createSlot(gqlUrl, admin, 5, 'TECHNICAL');
    for (const page of [alice, bob]) {
      await page.reload();
      const row = page.locator(`[data-testid="slot-row"][data-slot-id="${slot.id}"]`);
      await row.getByTestId('book-difficulty').selectOption('MEDIUM');
      await row.getByTestId('book-submit').click();
      await row.getByRole('link', { name: 'Waiting room' }).click();
      await page.getByTestId('join-waiting-room').click();
      await page.getByText('You are waiting').waitFor();
    }
    await check(alice, 'slots-booked');
    await alice.goBack();
    await check(alice, 'slots');
    await alice.goForward();
    // Both are waiting: the live count says so on both pages.
    await alice.getByTestId('waiting-count').filter({ hasText: '2' }).waitFor();
    await check(alice, 'waiting-room');
    await ok(gqlUrl, Pair, { slotId: slot.id }, { token: admin.token });
    // The banner names the peer.
    await alice.getByTestId('match-banner').filter({ hasText: 'Bob' }).waitFor();
    await bob.getByTestId('match-banner').filter({ hasText: 'Alice' }).waitFor();
    await check(bob, 'matched');
    await alice.getByTestId('open-session').click();
    await bob.getByTestId('open-session').click();
    await alice.waitForURL(/\/session\//);
    interviewUrl = alice.url();
  });

  it('runs the session: start, chat both ways with typing seen, swap roles, end', async () => {
    await alice.getByTestId('peer-online').waitFor();
    await bob.getByTestId('peer-online').waitFor();
    // This server has no ZEGO_APP_ID: the panel says so (test/browser/video.test.ts has the other case).
    await alice.getByTestId('video-not-configured').waitFor();
    await alice.getByTestId('start-interview').click();
    await bob.getByTestId('end-interview').waitFor(); // bob's page follows SESSION_STARTED
    const roleBefore = {
      alice: await alice.getByTestId('my-role').textContent(),
      bob: await bob.getByTestId('my-role').textContent(),
    };
    expect(new Set(Object.values(roleBefore))).toEqual(new Set(['INTERVIEWER', 'INTERVIEWEE']));
    // Each has a question to ask the other, with a title; the one asked sees only that it is hidden.
    for (const page of [alice, bob]) {
      const panel = page.getByTestId('question-panel');
      await panel.getByTestId('question-to-ask').getByTestId('question-title').waitFor();
      expect((await panel.getByTestId('question-title').first().textContent())?.trim()).toBeTruthy();
      await panel.getByTestId('question-hidden').waitFor();
    }
    // The shared code pad: an edit on one side shows on the other, and both edits merge.
    await alice.getByTestId('code-pad').fill('function add(a, b) {\n  return a + b;\n}');
    await bob.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>('[data-testid="code-pad"]')?.value.includes('return a + b;'),
    );
    await bob.getByTestId('code-pad').press('Control+End');
    await bob.getByTestId('code-pad').pressSequentially('\n// ok');
    await alice.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>('[data-testid="code-pad"]')?.value.endsWith('}\n// ok'),
    );

    await alice.getByTestId('chat-input').pressSequentially('Hi Bob');
    await bob.getByTestId('peer-typing').waitFor();
    await alice.getByTestId('chat-send').click();
    await expectMessage(bob, 'Hi Bob');
    await bob.getByTestId('peer-typing').waitFor({ state: 'detached' });
    await send(bob, 'Hello Alice, ready when you are');
    await expectMessage(alice, 'Hello Alice, ready when you are');
    await alice.getByTestId('read-receipt').waitFor(); // bob has read alice's message
    await check(alice, 'session');

    await bob.getByTestId('swap-roles').click();
    await alice.getByTestId('my-role').filter({ hasText: roleBefore.bob! }).waitFor();
    await bob.getByTestId('my-role').filter({ hasText: roleBefore.alice! }).waitFor();
  });

  it('keeps the chat through a server restart: nothing lost, nothing twice', async () => {
    const before = await messageIds(alice);
    expect(before).toHaveLength(2);
    await restartServer();
    // Both pages reconnect on their own; the peer shows online again once both are back.
    await send(alice, 'Still there after the restart?');
    await expectMessage(bob, 'Still there after the restart?');
    await send(bob, 'Yes, nothing lost');
    await expectMessage(alice, 'Yes, nothing lost');
    for (const page of [alice, bob]) {
      const ids = await messageIds(page);
      expect(ids).toHaveLength(4);
      expect(new Set(ids).size).toBe(4);
      expect(ids.slice(0, 2)).toEqual(before);
    }
  });

  it('ends, takes feedback from both and shows it in the history', async () => {
    await bob.getByTestId('end-interview').click();
    for (const page of [alice, bob]) {
      await page.getByTestId('feedback-communication').waitFor();
    }
    await check(alice, 'feedback');
    // After the end both questions show to both.
    for (const page of [alice, bob]) {
      await page.getByTestId('question-panel').getByTestId('question-asked').waitFor();
      expect(await page.getByTestId('question-panel').getByTestId('question-title').count()).toBe(2);
    }
    for (const [page, score] of [
      [alice, '4'],
      [bob, '5'],
    ] as const) {
      await page.getByTestId('feedback-communication').fill(score);
      await page.getByTestId('feedback-goodmatch').fill(score);
      await page.getByTestId('feedback-submit').click();
      await page.getByText('your feedback is sent').waitFor();
    }
    await alice.goto(`${base}/history`);
    const item = alice.getByTestId('history-item').first();
    await item.getByText('Feedback from Bob').waitFor();
    expect(await item.textContent()).toContain('5/5');
    await check(alice, 'history');
    expect(interviewUrl).toContain(await item.getAttribute('data-interview-id'));

    // A progress report: requested here, followed live, downloaded as a PDF once completed.
    await alice.getByTestId('report-request').click();
    const download = alice.getByTestId('report-download');
    await download.waitFor({ timeout: 60_000 });
    await check(alice, 'history-report');
    const href = await download.getAttribute('href');
    const pdf = await alice.request.get(new URL(href!, base).toString());
    expect(pdf.status()).toBe(200);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('lists the events as notifications', async () => {
    await alice.goto(`${base}/notifications`);
    await alice.getByTestId('notification').filter({ hasText: 'Feedback received' }).waitFor();
    const ids = await alice
      .getByTestId('notification')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(ids.length);
    await check(alice, 'notifications');
  });
});

describe('password reset through the development outbox', () => {
  it('follows the link, sets a new password and signs in with it', async () => {
    const page = await newPage();
    const email = await signUp(page, 'Carol');
    await page.getByTestId('logout').click();
    await page.waitForURL(`${base}/login`);
    await check(page, 'login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByTestId('forgot-email').fill(email);
    await page.getByTestId('forgot-submit').click();
    // The newest email: the verification email from the sign-up until the reset email is queued.
    const link = page.locator('[data-testid="dev-outbox-link"][href*="/reset-password"]');
    await link.waitFor();
    await check(page, 'forgot-password');
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${base}/reset-password\\?token=`));
    await link.click();
    await page.getByTestId('reset-password').fill('a-new-password');
    await check(page, 'reset-password');
    await page.getByTestId('reset-submit').click();
    await page.waitForURL(`${base}/slots`);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill('a-new-password');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${base}/slots`);
  });
});

describe('instant interview', () => {
  it('asks an available peer, who accepts from wherever they are; both land in the session', async () => {
    const dan = await newPage();
    const erin = await newPage();
    await signUp(dan, 'Dan');
    await signUp(erin, 'Erin');
    await erin.getByRole('link', { name: 'Instant' }).click();
    // Controlled by the server's answer: checked once setAvailability(AVAILABLE) returns.
    await erin.getByTestId('availability').click();
    await erin.locator('[data-testid="availability"]:checked').waitFor();
    await erin.getByRole('link', { name: 'History' }).click(); // anywhere: incoming requests show on every screen
    await dan.goto(`${base}/peers`);
    const row = dan.getByTestId('peer-row').filter({ hasText: 'Erin' });
    await row.waitFor();
    await check(dan, 'peers');
    await row.getByTestId('instant-request-send').click();
    await dan.getByTestId('instant-outgoing').waitFor();
    await erin.getByTestId('instant-request').waitFor();
    await check(erin, 'instant-request');
    await erin.getByTestId('instant-accept').click();
    await erin.waitForURL(/\/session\//);
    await dan.waitForURL(erin.url());
    await dan.getByTestId('peer-online').waitFor();
    await send(dan, 'Instant hello');
    await expectMessage(erin, 'Instant hello');
  });
});

describe('profile and settings', () => {
  it('sets a time zone and an email preference that persist after a reload', async () => {
    const page = await newPage();
    await signUp(page, 'Fay');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('profile-timezone').waitFor();
    await check(page, 'settings');
    await page.getByTestId('profile-timezone').selectOption('Asia/Tokyo');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-saved').waitFor();
    await page.getByTestId('prefs-reminders').click();
    await page.locator('[data-testid="prefs-reminders"]:not(:checked):enabled').waitFor();
    await page.reload();
    await page.getByTestId('profile-timezone').waitFor();
    expect(await page.getByTestId('profile-timezone').inputValue()).toBe('Asia/Tokyo');
    expect(await page.getByTestId('prefs-reminders').isChecked()).toBe(false);
    expect(await page.getByTestId('prefs-offline').isChecked()).toBe(true);
  });
});

describe('admin', () => {
  it('shows realtime stats live and the slot tools', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByTestId('login-email').fill(admin.email);
    await page.getByTestId('login-password').fill('password123');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${base}/slots`);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByText(/sockets · \d+ subscriptions/).waitFor();
    await check(page, 'admin');

    // Maintenance: switched on here, the other user's banner appears live, then goes when it is switched off.
    const gus = await newPage();
    await signUp(gus, 'Gus');
    await gus.getByTestId('maintenance-banner').waitFor({ state: 'detached' });
    await page.getByTestId('maintenance-message').fill('Back in a few minutes');
    await page.getByTestId('maintenance-toggle').click(); // controlled by the server's answer, like the availability switch
    await gus.getByTestId('maintenance-banner').filter({ hasText: 'Back in a few minutes' }).waitFor();
    await page.getByTestId('maintenance-banner').waitFor();
    await check(gus, 'maintenance');
    await page.locator('[data-testid="maintenance-toggle"]:checked:enabled').waitFor();
    await page.getByTestId('maintenance-toggle').click();
    await gus.getByTestId('maintenance-banner').waitFor({ state: 'detached' });
    await page.getByTestId('maintenance-banner').waitFor({ state: 'detached' });
  });
});
