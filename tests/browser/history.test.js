// History: the last page shows on join, older pages load as the reader scrolls up, until the
// beginning of the channel, with every message exactly once and in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTexts, openApp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';

const SEEDED = 120;
const fixture = useParley({
  setup: async ({ server }) => {
    const seeder = await connectRaw(server.wsUrl, 'seeder');
    await seeder.join('archive');
    for (let n = 1; n <= SEEDED; n += 1) await seeder.say('archive', `archived message ${n}`);
    await seeder.close();
  },
});

const expected = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => `archived message ${from + i}`);

test('history appears on join and older pages load on scroll-up', async () => {
  // A link to #archive opens that channel straight away.
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'reader', path: '#archive' });
  await page.locator('#conv-title', { hasText: '#archive' }).waitFor();
  await page.locator('#messages .msg .text', { hasText: `archived message ${SEEDED}` }).waitFor();

  // The newest message is in view right after joining.
  const newest = page.locator('#messages .msg', { hasText: `archived message ${SEEDED}` });
  assert.ok(await newest.isVisible());
  const firstPage = await messageTexts(page);
  assert.ok(firstPage.length >= 50, `join shows at least one page (${firstPage.length})`);
  assert.deepEqual(firstPage, expected(SEEDED - firstPage.length + 1, SEEDED));

  // Scroll to the top repeatedly, as a reader would, until the beginning is reached.
  const start = page.locator('#messages .start-marker', { hasText: 'This is the beginning of #archive.' });
  for (let i = 0; i < 10 && !(await start.isVisible()); i += 1) {
    const shown = await page.locator('#messages .msg').count();
    await page.locator('#messages').evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.waitForFunction(
      ([count]) =>
        document.querySelectorAll('#messages .msg').length > count ||
        document.querySelector('#messages .start-marker') !== null,
      [shown],
    );
  }
  await start.waitFor();
  assert.deepEqual(await messageTexts(page), expected(1, SEEDED), 'every message once, in order');

  // Loading older pages kept the reader's place: the top of the list is in view, not the bottom.
  assert.ok(await page.locator('#messages .msg', { hasText: /^seeder.*archived message 1$/s }).first().isVisible());
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

test('a new message while reading older history does not yank the view', async () => {
  const { page, context } = await openApp(fixture.browser, fixture.server, { nick: 'reader2', path: '#archive' });
  await page.locator('#messages .msg .text', { hasText: `archived message ${SEEDED}` }).waitFor();
  await page.locator('#messages').evaluate((el) => {
    el.scrollTop = 0;
  });
  await page.locator('#history-status').waitFor({ state: 'hidden' });
  const writer = await connectRaw(fixture.server.wsUrl, 'writer');
  await writer.join('archive');
  await writer.say('archive', 'fresh news');
  await page.locator('#jump-latest', { hasText: 'New messages' }).waitFor();
  const scrolledTop = await page.locator('#messages').evaluate((el) => el.scrollTop);
  assert.ok(scrolledTop < 2000, 'still reading near the top');
  await page.locator('#jump-latest').click();
  assert.ok(await page.locator('#messages .msg', { hasText: 'fresh news' }).isVisible());
  await writer.close();
  await context.close();
});
