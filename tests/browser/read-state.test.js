// An account's chat follows it from page to page: the channel list, unread badges and mention
// highlights come from the server, reading a channel on one page clears its badge on the other,
// and a direct message sent while the recipient was away waits for them, badge and all. A guest
// still counts unread in its own tab, as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, messageTexts, openApp, signUp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';

const fixture = useParley();

const ANN_PASSWORD = 'ann reads everything';
const ERIN_PASSWORD = 'erin is often away';
// Reading on one page reaches the other's badge within a second; the margin is for a busy machine.
const IN_STEP_MS = 2000;

function channelButton(page, name) {
  return page.locator('#channel-list .conv', { has: page.locator('.conv-name', { hasText: new RegExp(`^${name}$`) }) });
}

function dmButton(page, nick) {
  return page.locator('#dm-list .conv', { has: page.locator('.conv-name', { hasText: new RegExp(`^${nick}$`) }) });
}

async function joinFromSidebar(page, name) {
  await page.locator('#join-input').fill(name);
  await page.locator('#join-form button').click();
  await page.locator('#conv-title', { hasText: `#${name}` }).waitFor();
}

test('two pages of one account: the same channels and badges, read on one clears the other', async (t) => {
  const first = await openApp(fixture.browser, fixture.server);
  const one = first.page;
  await signUp(one, 'ann', ANN_PASSWORD);
  await one.locator('#conv-title', { hasText: '#general' }).waitFor();
  await joinFromSidebar(one, 'random');

  // Another browser, nothing in its storage: ann logs in and has both channels, from the server.
  const second = await openApp(fixture.browser, fixture.server);
  const two = second.page;
  await logIn(two, 'ann', ANN_PASSWORD);
  await channelButton(two, 'random').waitFor();
  assert.deepEqual(await two.locator('#channel-list .conv-name').allTextContents(), ['general', 'random']);
  await channelButton(two, 'random').click();
  await two.locator('#conv-title', { hasText: '#random' }).waitFor();

  // bob writes three messages in #general, one of them mentioning ann: both pages count three,
  // with the accent of a mention, while they look at #random.
  const bob = await connectRaw(fixture.server.wsUrl, 'bob');
  await bob.join('general');
  await bob.say('general', 'morning all');
  await bob.say('general', '@ann the build is green');
  await bob.say('general', 'coffee?');
  for (const page of [one, two]) {
    await channelButton(page, 'general').locator('.badge.mention', { hasText: /^3$/ }).waitFor();
    assert.match(await page.title(), /^\(3\) Parley$/);
  }
  // ann reads #general on the first page: its badge goes there, and within a second on the other.
  const readAt = Date.now();
  await channelButton(one, 'general').click();
  await one.locator('#messages .msg .text', { hasText: 'coffee?' }).waitFor();
  await channelButton(one, 'general').locator('.badge').waitFor({ state: 'detached' });
  await channelButton(two, 'general').locator('.badge').waitFor({ state: 'detached', timeout: IN_STEP_MS });
  t.diagnostic(`the other page's badge cleared ${Date.now() - readAt} ms after the click`);
  assert.equal(await two.title(), 'Parley');

  // While ann has no page open, bob writes twice in #general; her next visit counts exactly two.
  await second.context.close();
  await first.context.close();
  await bob.say('general', 'lunch at noon');
  await bob.say('general', 'I booked a table');
  // (Opened on a link to #random, so that #general is not read the moment the page opens.)
  const third = await openApp(fixture.browser, fixture.server, { path: '#random' });
  const three = third.page;
  await logIn(three, 'ann', ANN_PASSWORD);
  await three.locator('#conv-title', { hasText: '#random' }).waitFor();
  await channelButton(three, 'general').locator('.badge', { hasText: /^2$/ }).waitFor();
  await channelButton(three, 'general').click();
  await three.locator('#messages .msg .text', { hasText: 'I booked a table' }).waitFor();
  await channelButton(three, 'general').locator('.badge').waitFor({ state: 'detached' });
  assert.equal(await channelButton(three, 'random').locator('.badge').count(), 0);

  // A fourth page on #random sees the next two in #general as unread: exactly 2, no accent.
  const fourth = await openApp(fixture.browser, fixture.server, { path: '#random' });
  const four = fourth.page;
  await logIn(four, 'ann', ANN_PASSWORD);
  await four.locator('#conv-title', { hasText: '#random' }).waitFor();
  await channelButton(three, 'random').click();
  await three.locator('#conv-title', { hasText: '#random' }).waitFor();
  await bob.say('general', 'see you there');
  await bob.say('general', 'bring the slides');
  for (const page of [three, four]) {
    const badge = channelButton(page, 'general').locator('.badge', { hasText: /^2$/ });
    await badge.waitFor();
    assert.equal(await badge.evaluate((el) => el.classList.contains('mention')), false);
  }
  // Leaving #random on one page: a later page of ann's does not have it.
  await three.locator('#leave-conv', { hasText: 'Leave' }).click();
  await channelButton(three, 'random').waitFor({ state: 'detached' });
  await channelButton(four, 'general').click();
  await four.locator('#conv-title', { hasText: '#general' }).waitFor();
  await four.reload();
  await four.locator('#app').waitFor({ state: 'visible' });
  await channelButton(four, 'general').waitFor();
  assert.deepEqual(await four.locator('#channel-list .conv-name').allTextContents(), ['general']);

  for (const page of [first, second, third, fourth]) assert.deepEqual(page.problems.pageErrors, []);
  await bob.close();
  await third.context.close();
  await fourth.context.close();
});

test('a direct message to an account that is away waits for it, with its badge', async () => {
  const erinFirst = await openApp(fixture.browser, fixture.server);
  await signUp(erinFirst.page, 'erin', ERIN_PASSWORD);
  await erinFirst.context.close();

  const ann = await openApp(fixture.browser, fixture.server);
  await logIn(ann.page, 'ann', ANN_PASSWORD);
  // erin is nowhere ann could see her.
  await ann.page.locator('#member-list .member', { hasText: 'ann' }).waitFor();
  assert.equal(await ann.page.locator('#member-list .member', { hasText: 'erin' }).count(), 0);
  await ann.page.locator('#dm-input').fill('erin');
  await ann.page.locator('#dm-form button').click();
  await ann.page.locator('#conv-title', { hasText: '@erin' }).waitFor();
  await ann.page.locator('#composer-input').fill('the keys are under the mat');
  await ann.page.locator('#composer-input').press('Enter');
  const sent = ann.page.locator('#messages .msg.own:not(.pending)', { hasText: 'the keys are under the mat' });
  await sent.locator('.send-status', { hasText: 'delivered when erin comes online' }).waitFor();
  await ann.page.locator('#composer-input').fill('and the cat needs food');
  await ann.page.locator('#composer-input').press('Enter');
  await ann.page.locator('#messages .msg.own:not(.pending)', { hasText: 'and the cat needs food' }).waitFor();

  // erin logs in: the conversation with ann is there with two unread, and both messages once.
  const erin = await openApp(fixture.browser, fixture.server);
  await logIn(erin.page, 'erin', ERIN_PASSWORD);
  await dmButton(erin.page, 'ann').locator('.badge.mention', { hasText: /^2$/ }).waitFor();
  await dmButton(erin.page, 'ann').click();
  await erin.page.locator('#messages .msg .text', { hasText: 'and the cat needs food' }).waitFor();
  assert.deepEqual(await messageTexts(erin.page), ['the keys are under the mat', 'and the cat needs food']);
  await dmButton(erin.page, 'ann').locator('.badge').waitFor({ state: 'detached' });
  // ann sees erin arrive in #general: what waited for her is no longer marked so.
  await sent.locator('.send-status').waitFor({ state: 'detached' });

  // Read is read: after a reload (on #general) erin's conversation with ann has no badge.
  await erin.page.locator('#channel-list .conv', { hasText: 'general' }).click();
  await erin.page.locator('#conv-title', { hasText: '#general' }).waitFor();
  await erin.page.reload();
  await erin.page.locator('#app').waitFor({ state: 'visible' });
  await dmButton(erin.page, 'ann').waitFor();
  assert.equal(await dmButton(erin.page, 'ann').locator('.badge').count(), 0);
  await dmButton(erin.page, 'ann').click();
  await erin.page.locator('#messages .msg .text', { hasText: 'and the cat needs food' }).waitFor();
  assert.deepEqual(await messageTexts(erin.page), ['the keys are under the mat', 'and the cat needs food']);

  assert.deepEqual(ann.problems.pageErrors, []);
  assert.deepEqual(erin.problems.pageErrors, []);
  await erin.context.close();
  await ann.context.close();
});

test('a guest counts unread in its own tab and keeps its channels in this browser, as before', async () => {
  const guest = await openApp(fixture.browser, fixture.server, { nick: 'carl' });
  const page = guest.page;
  await page.locator('#me-kind', { hasText: 'guest' }).waitFor();
  await joinFromSidebar(page, 'quiet');
  const dave = await connectRaw(fixture.server.wsUrl, 'dave');
  await dave.join('general');
  await dave.say('general', 'hello carl');
  await dave.say('general', 'still there?');
  // Counted in this tab; "hello carl" names carl, which a guest's page highlights as before.
  await channelButton(page, 'general').locator('.badge.mention', { hasText: /^2$/ }).waitFor();
  await channelButton(page, 'general').click();
  await page.locator('#messages .msg .text', { hasText: 'still there?' }).waitFor();
  await channelButton(page, 'general').locator('.badge').waitFor({ state: 'detached' });
  // A DM from dave, shown and replied to, as before.
  await dave.dm('carl', 'psst');
  await dmButton(page, 'dave').locator('.badge', { hasText: /^1$/ }).waitFor();

  // A reload brings back the channels this browser remembered for carl.
  await page.reload();
  await page.locator('#app').waitFor({ state: 'visible' });
  await channelButton(page, 'quiet').waitFor();
  assert.deepEqual(await page.locator('#channel-list .conv-name').allTextContents(), ['general', 'quiet']);
  // No notice about read markers (a guest never asks for them).
  assert.equal(await page.locator('#notices .notice', { hasText: /read markers/ }).count(), 0);
  assert.deepEqual(guest.problems.pageErrors, []);
  await dave.close();
  await guest.context.close();
});
