// Two people in one channel: messages both ways, the member list follows joins and leaves, the
// typing indicator shows, unread counts show for the channel you are not looking at.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTexts, openApp, saveScreenshot } from './lib/browser.js';
import { useParley } from './lib/fixture.js';

const fixture = useParley();

test('two users chat in a channel', async () => {
  const ann = await openApp(fixture.browser, fixture.server, { nick: 'ann' });
  const annPage = ann.page;
  await annPage.locator('#conv-title', { hasText: '#general' }).waitFor();
  await annPage.locator('#member-list', { hasText: 'ann (you)' }).waitFor();

  const bob = await openApp(fixture.browser, fixture.server, { nick: 'bob' });
  const bobPage = bob.page;

  // Presence: ann sees bob arrive; bob's list has both from the joined reply.
  await annPage.locator('#member-list .member', { hasText: 'bob' }).waitFor();
  await bobPage.locator('#member-list .member', { hasText: 'ann' }).waitFor();
  await annPage.locator('#messages .system', { hasText: 'bob joined' }).waitFor();
  assert.equal(await annPage.locator('#conv-subtitle').textContent(), '2 members');

  // Typing: bob types, ann sees it before anything is sent.
  await bobPage.locator('#composer-input').pressSequentially('hello ann');
  await annPage.locator('#typing', { hasText: 'bob is typing…' }).waitFor();
  await bobPage.locator('#composer-input').press('Enter');
  await annPage.locator('#messages .msg .text', { hasText: 'hello ann' }).waitFor();
  // The indicator goes once bob's message is in.
  await annPage.locator('#typing', { hasText: /^$/ }).waitFor();
  await bobPage.locator('#messages .msg.own .text', { hasText: 'hello ann' }).waitFor();
  assert.equal(await bobPage.locator('#composer-input').inputValue(), '', 'Enter clears the box');

  // Shift+Enter makes a new line instead of sending.
  const annBox = annPage.locator('#composer-input');
  await annBox.click();
  await annBox.pressSequentially('hi bob');
  await annBox.press('Shift+Enter');
  await annBox.pressSequentially('second line');
  assert.equal(await annBox.inputValue(), 'hi bob\nsecond line');
  await annBox.press('Enter');
  await bobPage.locator('#messages .msg .text', { hasText: 'second line' }).waitFor();
  assert.deepEqual(await messageTexts(bobPage), ['hello ann', 'hi bob\nsecond line']);
  assert.deepEqual(await messageTexts(annPage), ['hello ann', 'hi bob\nsecond line']);
  // No "sending…" copies left behind once the server confirmed.
  await annPage.locator('#messages .msg.pending').waitFor({ state: 'detached' });

  // Unread: ann moves to another channel; bob's next message in #general is counted.
  await annPage.locator('#join-input').fill('random');
  await annPage.locator('#join-form button').click();
  await annPage.locator('#conv-title', { hasText: '#random' }).waitFor();
  await bobPage.locator('#composer-input').fill('are you there?');
  await bobPage.locator('#composer-input').press('Enter');
  const generalButton = annPage.locator('#channel-list .conv', { hasText: 'general' });
  await generalButton.locator('.badge', { hasText: '1' }).waitFor();
  assert.match(await annPage.title(), /^\(1\) Parley$/);
  await generalButton.click();
  await annPage.locator('#messages .msg .text', { hasText: 'are you there?' }).waitFor();
  await generalButton.locator('.badge').waitFor({ state: 'detached' });

  // Leaving: bob closes his tab; ann's member list drops him.
  await saveScreenshot(annPage, 'chat-desktop-ann');
  await bob.context.close();
  await annPage.locator('#member-list .member', { hasText: 'bob' }).waitFor({ state: 'detached' });
  await annPage.locator('#messages .system', { hasText: 'bob left' }).waitFor();
  assert.equal(await annPage.locator('#conv-subtitle').textContent(), '1 member');

  // Leaving a channel removes it, also after a reload (joined channels are remembered).
  await annPage.locator('#channel-list .conv', { hasText: 'random' }).click();
  await annPage.locator('#leave-conv', { hasText: 'Leave' }).click();
  await annPage.locator('#channel-list .conv', { hasText: 'random' }).waitFor({ state: 'detached' });
  await annPage.locator('#conv-title', { hasText: '#general' }).waitFor();
  await annPage.reload();
  await annPage.locator('#messages .msg .text', { hasText: 'are you there?' }).waitFor();
  assert.deepEqual(await annPage.locator('#channel-list .conv-name').allTextContents(), ['general']);

  assert.deepEqual(ann.problems.pageErrors, []);
  assert.deepEqual(bob.problems.pageErrors, []);
  await ann.context.close();
});
