// Direct messages: one arrives with an unread badge, replies work both ways, and the
// conversation is still there after a reload (the server replays recent DMs in `welcome`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTexts, openApp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';

const fixture = useParley();

test('a direct message arrives and can be answered', async () => {
  const ann = await openApp(fixture.browser, fixture.server, { nick: 'ann' });
  const bob = await openApp(fixture.browser, fixture.server, { nick: 'bob' });
  await ann.page.locator('#member-list .member', { hasText: 'bob' }).waitFor();

  // ann clicks bob in the member list to write to him.
  await ann.page.locator('#member-list .member', { hasText: 'bob' }).click();
  await ann.page.locator('#conv-title', { hasText: '@bob' }).waitFor();
  await ann.page.locator('#composer-input').fill('psst, bob');
  await ann.page.locator('#composer-input').press('Enter');
  await ann.page.locator('#messages .msg.own:not(.pending) .text', { hasText: 'psst, bob' }).waitFor();

  // bob is still in #general: the DM shows up in his sidebar with an unread badge.
  const dmButton = bob.page.locator('#dm-list .conv', { hasText: 'ann' });
  await dmButton.locator('.badge', { hasText: '1' }).waitFor();
  assert.equal(await bob.page.locator('#conv-title').textContent(), '#general');
  await dmButton.click();
  await bob.page.locator('#messages .msg .text', { hasText: 'psst, bob' }).waitFor();
  await dmButton.locator('.badge').waitFor({ state: 'detached' });

  await bob.page.locator('#composer-input').fill('hi ann, got it');
  await bob.page.locator('#composer-input').press('Enter');
  await ann.page.locator('#messages .msg .text', { hasText: 'hi ann, got it' }).waitFor();
  assert.deepEqual(await messageTexts(ann.page), ['psst, bob', 'hi ann, got it']);
  assert.deepEqual(await messageTexts(bob.page), ['psst, bob', 'hi ann, got it']);

  // After a reload bob still has the conversation, each message once.
  await bob.page.reload();
  await bob.page.locator('#app').waitFor({ state: 'visible' });
  await bob.page.locator('#dm-list .conv', { hasText: 'ann' }).click();
  await bob.page.locator('#messages .msg .text', { hasText: 'hi ann, got it' }).waitFor();
  assert.deepEqual(await messageTexts(bob.page), ['psst, bob', 'hi ann, got it']);

  assert.deepEqual(ann.problems.pageErrors, []);
  assert.deepEqual(bob.problems.pageErrors, []);
  await bob.context.close();
  await ann.context.close();
});
