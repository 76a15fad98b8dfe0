// GraphiQL in a real headless Chromium (Debian's, driven by playwright-core),
// with every request to a host other than the test server blocked and
// recorded: the page loads, runs a query with the token from its Headers pane,
// and shows a signed-in `events` subscription receiving an event triggered
// from outside. Screenshots go to test/artifacts/ (git-ignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { graphql } from './generated/gql.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS } from './support/browser.js';
import { ok } from './support/client.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';

const SetAvailability = graphql(`
  mutation GraphiqlSetAvailability($a: Availability!) {
    setAvailability(availability: $a) {
      id
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let user: TestUser;
let context: BrowserContext;
let page: Page;
let profile: string;
const blocked: string[] = [];
const browserErrors: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  user = await registerUser(stack.url, 'Grace');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mockmate-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    viewport: { width: 1600, height: 1000 },
    args: CHROMIUM_ARGS,
  });
  const server = new URL(stack.url);
  // No network but the server: anything else is recorded and refused.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === server.host) return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => browserErrors.push(err.message));
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  await stack.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `graphiql-${name}.png`), fullPage: true });

/** Replaces the whole text of a Monaco editor in GraphiQL. */
async function setEditor(selector: string, text: string) {
  const editor = page.locator(`${selector} .monaco-editor`).filter({ visible: true }).first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

const responseText = () => page.locator('.graphiql-response').innerText();

async function run() {
  await page.locator('.graphiql-execute-button').click({ timeout: 10_000 });
}

it('loads with no request to any other host', async () => {
  await page.goto(stack.url, { waitUntil: 'load' });
  await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
  expect(await page.title()).toBe('MockMate API');
  await until(
    async () => (await page.locator('.graphiql-query-editor').innerText()).includes('Authorization'),
    'the default tab shown',
    10_000,
  );
  await shot('loaded');
  expect(blocked).toEqual([]);
  expect(browserErrors).toEqual([]);
});

it('runs a query with the token from the Headers pane', async () => {
  await setEditor('.graphiql-query-editor', '{ me { id name } }');
  await page.getByRole('button', { name: 'Headers' }).click({ timeout: 10_000 });
  await setEditor('.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${user.token}` }));
  await run();
  await until(async () => (await responseText()).includes(user.id), 'the signed-in user in the response', 15_000);
  expect(await responseText()).toContain('Grace');
  await shot('query');
  expect(blocked).toEqual([]);
});

it('shows a signed-in events subscription receiving an event triggered from outside', async () => {
  await setEditor(
    '.graphiql-query-editor',
    'subscription { events { id type data { __typename ... on AvailabilityData { availability } } } }',
  );
  await run();
  // Subscribed once the server counts an active `events` operation.
  await until(
    async () => {
      const metrics = await (await fetch(new URL('/metrics', stack.url))).text();
      return /mockmate_graphql_active_subscriptions\{field="events"\} [1-9]/.test(metrics);
    },
    'the events subscription active on the server',
    15_000,
  );
  await ok(stack.url, SetAvailability, { a: 'BUSY' }, { token: user.token });
  await until(async () => (await responseText()).includes('AvailabilityData'), 'the event in the response', 15_000);
  const text = await responseText();
  expect(text).toContain('AVAILABILITY_CHANGED');
  expect(text).toContain('BUSY');
  expect(text).not.toContain('UNAUTHENTICATED');
  await shot('subscription');
  expect(blocked).toEqual([]);
});
