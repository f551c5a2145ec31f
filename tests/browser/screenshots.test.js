// The main view at desktop and phone size, light and dark, saved to artifacts/ for a person to
// look at; plus the layout checks a screenshot makes easy to forget (no sideways scrolling).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, openApp, saveScreenshot } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';
import { makeDataDir, startParley } from './lib/server.js';

let others = [];
const fixture = useParley({
  setup: async ({ server }) => {
    const bob = await connectRaw(server.wsUrl, 'bob');
    const carol = await connectRaw(server.wsUrl, 'carol_w');
    others = [bob, carol];
    await bob.join('general');
    await carol.join('general');
    await bob.join('random');
    await bob.say('general', 'Morning all! The release notes are at https://example.com/parley/releases/0.1');
    await carol.say('general', 'Thanks. I read them over coffee.\nTwo questions:\n1. does history survive a restart?\n2. what about DMs?');
    await bob.say('general', 'Yes to both, history lives in SQLite now.');
    await bob.say('general', 'and a very long word to check wrapping: ' + 'supercalifragilistic'.repeat(6));
    await bob.say('random', 'anyone up for lunch?');
  },
  teardown: async () => {
    for (const other of others) await other.close();
  },
});

// On a phone the conversation list is a drawer that has to be opened first.
async function openConversations(page) {
  if (await page.locator('#open-sidebar').isVisible()) {
    await page.locator('#open-sidebar').click();
    await page.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().left >= 0);
  }
}

async function populate(page, nick) {
  await openConversations(page);
  await page.locator('#join-input').fill('random');
  await page.locator('#join-form button').click();
  await page.locator('#conv-title', { hasText: '#random' }).waitFor();
  await openConversations(page);
  await page.locator('#channel-list .conv', { hasText: 'general' }).click();
  await page.locator('#messages .msg .text', { hasText: 'SQLite' }).waitFor();
  await page.locator('#composer-input').fill(`Hi, ${nick} here. @bob does it work on phones too?`);
  await page.locator('#composer-input').press('Enter');
  await page.locator('#messages .msg.own:not(.pending)').waitFor();
  await others[0].say('general', `${nick}: it does, try it`);
  await others[0].say('random', 'pizza at noon');
  await others[1].dm(nick, 'hey, got a minute later?');
  await page.locator('#dm-list .conv .badge').waitFor();
  await page.locator('#channel-list .conv', { hasText: 'random' }).locator('.badge').waitFor();
  await page.locator('#messages .msg', { hasText: `${nick}: it does, try it` }).waitFor();
  await page.locator('#composer-input').pressSequentially('Typing a reply');
}

test('desktop main view', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const nick = `desk_${colorScheme}`;
    const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick, viewport: DESKTOP, colorScheme });
    await populate(page, nick);
    assert.ok(await page.locator('#sidebar').isVisible());
    assert.ok(await page.locator('#members-panel').isVisible(), 'members shown beside the messages');
    await saveScreenshot(page, `desktop-${colorScheme}`);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  }
});

test('phone main view', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const nick = `phone_${colorScheme}`;
    const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick, viewport: PHONE, colorScheme });
    await populate(page, nick);
    // One column: the conversation list and members are drawers, and nothing scrolls sideways.
    await page.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().right <= 0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    await page.locator('#open-sidebar .badge').waitFor();
    await saveScreenshot(page, `phone-${colorScheme}`);

    await openConversations(page);
    await saveScreenshot(page, `phone-${colorScheme}-conversations`);
    await page.locator('#dm-list .conv', { hasText: 'carol_w' }).click();
    await page.locator('#conv-title', { hasText: '@carol_w' }).waitFor();
    await page.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().right <= 0);

    await openConversations(page);
    await page.locator('#channel-list .conv', { hasText: 'general' }).click();
    await page.locator('#toggle-members').click();
    await page.waitForFunction(() => document.getElementById('members-panel').getBoundingClientRect().right <= window.innerWidth + 1);
    await page.locator('#member-list .member', { hasText: 'bob' }).waitFor();
    await saveScreenshot(page, `phone-${colorScheme}-members`);
    await page.keyboard.press('Escape');
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  }
});

test('sign-in screen', async () => {
  const { page, context } = await openApp(fixture.browser, fixture.server, { viewport: PHONE });
  await page.locator('#nick-input').waitFor();
  await saveScreenshot(page, 'phone-sign-in');
  await context.close();
});

test('phone: typing, the length counter, and the offline state', async () => {
  const own = makeDataDir();
  const lonely = await startParley({ dataFile: own.file });
  try {
    const { page, context, problems } = await openApp(fixture.browser, lonely, { nick: 'ann', viewport: PHONE });
    const bob = await connectRaw(lonely.wsUrl, 'bob');
    await bob.join('general');
    await bob.say('general', 'hi there');
    // ann's page is in the channel once bob's message shows: only then can it hear him typing.
    await page.locator('#messages', { hasText: 'hi there' }).waitFor();
    bob.send({ type: 'typing', channel: 'general' });
    await page.locator('#typing', { hasText: 'bob is typing…' }).waitFor();
    await page.locator('#composer-input').fill('x'.repeat(3500));
    await page.locator('#char-count', { hasText: '3500 / 4000' }).waitFor();
    await saveScreenshot(page, 'phone-typing-and-counter');
    await page.locator('#composer-input').fill('');

    await bob.close();
    await lonely.stop();
    await page.locator('#banner', { hasText: 'Reconnecting' }).waitFor();
    assert.equal(await page.locator('#typing').textContent(), '', 'no stale typing while offline');
    await page.locator('#composer-input').fill('queued while offline');
    await page.locator('#composer-input').press('Enter');
    await page.locator('#composer-input').fill('y'.repeat(4001));
    await page.locator('#composer-input').press('Enter');
    // Other notices may stand beside it (strict locators would refuse two): take the first.
    await page.locator('#notices .notice').first().waitFor();
    await page.locator('#composer-input').fill('');
    // The notice sits under the banner, never over it.
    const bannerBox = await page.locator('#banner').boundingBox();
    const noticeBox = await page.locator('#notices .notice').first().boundingBox();
    assert.ok(noticeBox.y >= bannerBox.y + bannerBox.height, 'the notice does not cover the banner');
    await saveScreenshot(page, 'phone-offline');
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  } finally {
    await lonely.stop();
    own.cleanup();
  }
});
