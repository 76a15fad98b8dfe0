// The video panel with ZEGOCLOUD credentials: a server with ZEGO_APP_ID and a
// (fake) ZEGO_SERVER_SECRET gives the participants Interview.video, so the
// session page loads the SDK's own chunk (and only there) and tries to join the
// room. ZEGO's servers are out of reach here: the panel shows it is joining, or
// the error, with the room id, never "Video not configured". Chromium's fake
// camera and microphone stand in for real ones.
import type { Page } from 'playwright-core';
import { ok } from '../support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { startTestStack } from '../support/server.js';
import { graphql } from '../generated/gql.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

const Video = graphql(`
  query BrowserVideo($id: ID!) {
    interview(id: $id) {
      video {
        appId
        roomId
      }
    }
  }
`);

const APP_ID = '1234567890';
let stack: Awaited<ReturnType<typeof startTestStack>>;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let base: string;

beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'video-admin@example.com',
    ZEGO_APP_ID: APP_ID,
    ZEGO_SERVER_SECRET: '0123456789abcdef0123456789abcdef',
  });
  base = stack.url.replace(/\/graphql$/, '');
  chromium = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
});
afterAll(async () => {
  await chromium?.close();
  await stack?.close();
});

async function signIn(user: TestUser): Promise<{ page: Page; scripts: string[] }> {
  const context = await chromium.browser.newContext({ viewport: { width: 1200, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto(`${base}/login`);
  await page.getByTestId('login-email').fill(user.email);
  await page.getByTestId('login-password').fill('password123');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${base}/slots`);
  return { page, scripts };
}

it('loads the ZEGOCLOUD SDK on the session page and joins the room with the credentials', async () => {
  const admin = await registerAdmin(stack.url, stack.db.url, 'video-admin@example.com');
  const [ann, ben] = [await registerUser(stack.url, 'Ann'), await registerUser(stack.url, 'Ben')];
  const { interviewId } = await matchPair(stack.url, admin, ann, ben);
  const { interview } = await ok(stack.url, Video, { id: interviewId }, { token: ann.token });
  expect(interview?.video?.appId).toBe(Number(APP_ID));
  const roomId = interview!.video!.roomId;

  const { page, scripts } = await signIn(ann);
  const sdkChunk = (paths: string[]) => paths.filter((p) => /\/assets\/.*zego.*\.js$/i.test(p));
  // Not part of the main bundle: nothing of it is fetched before a session with credentials.
  expect(sdkChunk(scripts)).toEqual([]);

  await page.goto(`${base}/session/${interviewId}`);
  const room = page.getByTestId('video-room');
  await room.waitFor();
  expect(await room.getAttribute('data-room-id')).toBe(roomId);
  // Joining (ZEGO's servers do not answer here) or an error saying why: past loading the SDK either way.
  await page
    .locator('[data-testid="video-room"][data-state="joining"], [data-testid="video-room"][data-state="error"]')
    .waitFor();
  await page.getByTestId('video-status').filter({ hasText: roomId }).waitFor();
  expect(await page.getByTestId('video-not-configured').count()).toBe(0);
  expect(sdkChunk(scripts)).toHaveLength(1);
  await screenshot(page, 'session-video');

  // Leaving the session unmounts the panel: it logs out and destroys the engine without errors.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.getByRole('link', { name: 'History' }).click();
  await page.getByTestId('reports').waitFor();
  expect(errors).toEqual([]);
});
