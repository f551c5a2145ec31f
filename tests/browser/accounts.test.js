// Accounts and channel authority in the browser: signing up and logging in (only a token is
// kept, never the password), a private channel with an invitation, roles, the topic, mute, kick
// and ban; everyone's badges and who gets which menu; a guest who picks a registered nick; and
// that a private channel and its history stay out of sight of outsiders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, logIn, messageTexts, openApp, saveScreenshot, signIn, signUp, storedText } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';

const fixture = useParley();

const ANN_PASSWORD = 'correct horse battery';
const BOB_PASSWORD = 'bob likes long passwords';

// The actions button of `nick` in the open channel's member list.
function actionsFor(page, nick) {
  return page.locator('#member-list .member-row', { hasText: nick }).locator('.member-actions');
}

async function memberAction(page, nick, action, reason) {
  await actionsFor(page, nick).click();
  await page.locator('#member-dialog').waitFor();
  if (reason) await page.locator('#member-reason').fill(reason);
  await page.locator(`#member-dialog [data-action="${action}"]`).click();
  await page.locator('#member-dialog').waitFor({ state: 'hidden' });
}

test('sign up, log in on a second page, private channel, invite, accept, roles, mute, kick', async () => {
  // ann signs up; the page keeps a token, never the password, and a reload keeps her logged in.
  const annFirst = await openApp(fixture.browser, fixture.server);
  await signUp(annFirst.page, 'ann', ANN_PASSWORD);
  await annFirst.page.locator('#me-kind', { hasText: 'account' }).waitFor();
  assert.equal(await annFirst.page.locator('#sign-out').textContent(), 'Log out');
  await annFirst.page.waitForFunction(() => localStorage.getItem('parley.session') !== null);
  let stored = await storedText(annFirst.page);
  assert.ok(!stored.includes(ANN_PASSWORD), 'the password is not stored anywhere');
  assert.match(stored, /parley\.session=\{"nick":"ann","token":"[\w-]+\.[\w-]+\.[\w-]+"/);
  await annFirst.page.reload();
  await annFirst.page.locator('#me-kind', { hasText: 'account' }).waitFor();
  assert.equal(await annFirst.page.locator('#me-nick').textContent(), 'ann');

  // On a second page (another browser profile) ann logs in; a wrong password first.
  const ann = await openApp(fixture.browser, fixture.server);
  const annPage = ann.page;
  await annPage.locator('#mode-login').click();
  await annPage.locator('#nick-input').fill('ann');
  await annPage.locator('#password-input').fill('not her password');
  await annPage.locator('#login-button').click();
  await annPage.locator('#login-error', { hasText: 'Wrong nickname or password.' }).waitFor();
  // Without "Stay logged in" the token lasts as long as the tab (reloads included).
  await annPage.locator('#stay-input').uncheck();
  await logIn(annPage, 'ann', ANN_PASSWORD);
  await annPage.locator('#me-kind', { hasText: 'account' }).waitFor();
  stored = await storedText(annPage);
  assert.ok(!stored.includes(ANN_PASSWORD));
  assert.equal(await annPage.evaluate(() => localStorage.getItem('parley.session')), null);
  assert.ok(await annPage.evaluate(() => sessionStorage.getItem('parley.session')));
  await annPage.reload();
  await annPage.locator('#me-kind', { hasText: 'account' }).waitFor();

  const bob = await openApp(fixture.browser, fixture.server);
  const bobPage = bob.page;
  await signUp(bobPage, 'bob', BOB_PASSWORD);

  // ann creates a private channel with a topic: a padlock, the topic, her owner badge.
  await annPage.locator('#new-channel').click();
  await annPage.locator('#create-name').fill('secret');
  await annPage.locator('#create-topic').fill('Plans for the launch');
  await annPage.getByRole('switch', { name: /Private/ }).check();
  await annPage.locator('#create-button').click();
  await annPage.locator('#create-dialog').waitFor({ state: 'hidden' });
  await annPage.locator('#conv-title', { hasText: '#secret' }).waitFor();
  await annPage.locator('#conv-lock').waitFor();
  await annPage.locator('#channel-list .conv', { hasText: 'secret' }).locator('.lock').waitFor();
  assert.equal(await annPage.locator('#conv-topic').textContent(), 'Plans for the launch');
  assert.ok(await annPage.locator('#edit-topic').isVisible(), 'the owner may edit the topic');
  await annPage.locator('#member-list .member-row', { hasText: 'ann (you)' }).locator('.role-badge', { hasText: 'owner' }).waitFor();
  await annPage.locator('#composer-input').fill('only for us');
  await annPage.locator('#composer-input').press('Enter');
  await annPage.locator('#messages .msg:not(.pending) .text', { hasText: 'only for us' }).waitFor();

  // She invites bob; bob sees the invitation and joins.
  await annPage.locator('#invite-button').click();
  await annPage.locator('#invite-input').fill('bob');
  await annPage.locator('#invite-form button[type=submit]').click();
  await annPage.locator('#invite-dialog').waitFor({ state: 'hidden' });
  await annPage.locator('#messages .system', { hasText: 'You invited bob.' }).waitFor();
  const invitation = bobPage.locator('#invitations .invitation', { hasText: 'ann invited you to #secret' });
  await invitation.waitFor();
  await saveScreenshot(bobPage, 'accounts-invitation');
  await invitation.getByRole('button', { name: 'Join #secret' }).click();
  await bobPage.locator('#conv-title', { hasText: '#secret' }).waitFor();
  await bobPage.locator('#messages .msg .text', { hasText: 'only for us' }).waitFor();
  await bobPage.locator('#conv-lock').waitFor();
  assert.equal(await bobPage.locator('#conv-topic').textContent(), 'Plans for the launch');
  assert.equal(await bobPage.locator('#invitations .invitation').count(), 0, 'the invitation is answered');
  assert.ok(!(await bobPage.locator('#edit-topic').isVisible()), 'a member may not edit the topic');
  assert.equal(await bobPage.locator('.member-actions').count(), 0, 'a member has no ops menu');
  assert.ok(!(await bobPage.locator('#invite-button').isVisible()));
  await annPage.locator('#member-list .member', { hasText: 'bob' }).waitFor();

  // The owner makes bob an op: both see the badge; bob may now set the topic.
  await memberAction(annPage, 'bob', 'op');
  await annPage.locator('#member-list .member-row', { hasText: 'bob' }).locator('.role-badge', { hasText: 'op' }).waitFor();
  await bobPage.locator('#messages .system', { hasText: 'ann made you an op' }).waitFor();
  await bobPage.locator('#member-list .member-row', { hasText: 'bob (you)' }).locator('.role-badge', { hasText: 'op' }).waitFor();
  await bobPage.locator('#edit-topic').click();
  await bobPage.locator('#topic-input').fill('Launch moved to Friday');
  await bobPage.locator('#topic-form button[type=submit]').click();
  await annPage.locator('#messages .system', { hasText: 'bob set the topic: Launch moved to Friday' }).waitFor();
  await annPage.locator('#conv-topic', { hasText: 'Launch moved to Friday' }).waitFor();
  await memberAction(annPage, 'bob', 'deop');
  await bobPage.locator('#messages .system', { hasText: 'ann took the op role from you' }).waitFor();
  await bobPage.locator('#edit-topic').waitFor({ state: 'hidden' });

  // Muted, bob's message is refused and he is told why.
  await memberAction(annPage, 'bob', 'mute');
  await annPage.locator('#messages .system', { hasText: 'You muted bob' }).waitFor();
  await bobPage.locator('#composer-input').fill('can anyone hear me?');
  await bobPage.locator('#composer-input').press('Enter');
  await bobPage
    .locator('#messages .msg.failed .send-status', { hasText: 'You are muted in #secret: nothing you write there is sent.' })
    .waitFor();
  // Its typing ping was refused too (before the message); that is not shown a second time.
  assert.equal(await bobPage.locator('#notices .notice', { hasText: 'muted' }).count(), 1);
  await saveScreenshot(annPage, 'accounts-owner');

  // Kicked with a reason: bob's view says so, he is out, and the channel is not rejoined.
  await memberAction(annPage, 'bob', 'kick', 'off topic');
  await annPage.locator('#member-list .member', { hasText: 'bob' }).waitFor({ state: 'detached' });
  await bobPage
    .locator('#messages .system.removed', {
      hasText: 'ann removed you from #secret (“off topic”). To come back you need a new invitation.',
    })
    .waitFor();
  assert.ok(await bobPage.locator('#composer-input').isDisabled(), 'nothing can be written there');
  await bobPage.locator('#channel-list .conv', { hasText: 'secret' }).locator('.conv-state', { hasText: 'removed' }).waitFor();
  assert.equal(await bobPage.locator('#leave-conv').textContent(), 'Close');
  await saveScreenshot(bobPage, 'accounts-kicked');
  // Trying to come back needs a new invitation.
  await bobPage.locator('#join-input').fill('secret');
  await bobPage.locator('#join-form button').click();
  await bobPage.locator('#notices .notice', { hasText: '#secret is private: you need an invitation to join it.' }).waitFor();
  await annPage.locator('#composer-input').fill('bob is gone');
  await annPage.locator('#composer-input').press('Enter');
  await annPage.locator('#messages .msg:not(.pending) .text', { hasText: 'bob is gone' }).waitFor();
  await bobPage.reload();
  await bobPage.locator('#me-kind', { hasText: 'account' }).waitFor();
  await bobPage.locator('#channel-list .conv', { hasText: 'general' }).waitFor();
  assert.deepEqual(await bobPage.locator('#channel-list .conv-name').allTextContents(), ['general']);
  assert.ok(!(await bobPage.locator('body').innerText()).includes('bob is gone'));

  // Logging out forgets the token: a reload asks again.
  await annFirst.page.locator('#sign-out').click();
  await annFirst.page.locator('#login-form').waitFor();
  assert.ok(!(await storedText(annFirst.page)).includes('parley.session'));
  await annFirst.page.reload();
  await annFirst.page.locator('#login-button', { hasText: 'Start chatting' }).waitFor();
  assert.ok(await annFirst.page.locator('#login').isVisible());
  assert.ok(!(await annFirst.page.locator('#app').isVisible()));

  for (const who of [annFirst, ann, bob]) assert.deepEqual(who.problems.pageErrors, []);
  for (const who of [annFirst, ann, bob]) await who.context.close();
});

test('a guest who picks a registered nick is told to log in or pick another', async () => {
  const dora = await connectRaw(fixture.server.wsUrl, 'dora', { password: 'dora password', register: true });
  await dora.close();

  const { page, context, problems } = await openApp(fixture.browser, fixture.server);
  await page.locator('#nick-input').fill('dora');
  await page.locator('#login-button').click();
  await page
    .locator('#login-error', {
      hasText: 'The nickname “dora” belongs to an account. Log in with its password, or pick another nickname.',
    })
    .waitFor();
  assert.ok(await page.locator('#login-form').isVisible(), 'still on the sign-in form');

  // Signing up under it, or with a short password, is refused with its own sentence.
  await page.locator('#mode-signup').click();
  await page.locator('#password-input').fill('short');
  await page.locator('#login-button').click();
  await page.locator('#login-error', { hasText: 'A password is 8 to 128 characters long.' }).waitFor();
  await page.locator('#password-input').fill('long enough password');
  await page.locator('#login-button').click();
  await page.locator('#login-error', { hasText: 'The nickname “dora” is taken' }).waitFor();

  // "Log in instead" from the guest's message leads to the password.
  await page.locator('#mode-guest').click();
  await page.locator('#login-button').click();
  await page.locator('#login-error').getByRole('button', { name: 'Log in instead' }).click();
  assert.equal(await page.locator('#mode-login').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#password-input').evaluate((el) => el === document.activeElement), true);
  await page.locator('#password-input').fill('dora password');
  await page.locator('#login-button').click();
  await page.locator('#me-kind', { hasText: 'account' }).waitFor();
  assert.equal(await page.locator('#me-nick').textContent(), 'dora');

  // A kept token the server no longer takes (expired, or signed with another key) leads back
  // to the password, not to an error loop.
  await page.waitForFunction(() => localStorage.getItem('parley.session') !== null);
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem('parley.session'));
    localStorage.setItem('parley.session', JSON.stringify({ ...session, token: `${session.token}x` }));
  });
  await page.reload();
  await page.locator('#login-error', { hasText: 'Your login has expired. Log in again.' }).waitFor();
  assert.equal(await page.locator('#mode-login').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#nick-input').inputValue(), 'dora');
  assert.equal(await page.evaluate(() => localStorage.getItem('parley.session')), null);
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

test('a private channel and its history stay hidden from those not in it', async () => {
  const olga = await connectRaw(fixture.server.wsUrl, 'olga', { password: 'olga password', register: true });
  await olga.request({ type: 'create', channel: 'vault', private: true, topic: 'do not share' });
  await olga.say('vault', 'the launch code is 0000');

  // A guest: joining is refused, nothing of it is shown, the HTTP API says it does not exist.
  const eve = await openApp(fixture.browser, fixture.server, { nick: 'eve' });
  await eve.page.locator('#conv-title', { hasText: '#general' }).waitFor();
  await eve.page.locator('#join-input').fill('vault');
  await eve.page.locator('#join-form button').click();
  await eve.page.locator('#notices .notice', { hasText: '#vault is private: you need an invitation to join it.' }).waitFor();
  await eve.page.locator('#channel-list .conv', { hasText: 'vault' }).waitFor({ state: 'detached' });
  const api = await eve.page.evaluate(async () => (await fetch('/api/channels/vault/messages')).status);
  assert.equal(api, 404);
  const listed = await eve.page.evaluate(async () => {
    const { ParleyClient } = await import('/parley.js');
    const probe = new ParleyClient({ nick: 'eve_probe' });
    await probe.connect();
    const channels = await probe.listChannels();
    const history = await probe.history('vault').then(
      () => 'read',
      (err) => err.code,
    );
    probe.close();
    return { names: channels.map((c) => c.name), history };
  });
  assert.ok(!listed.names.includes('vault'), 'channels does not list it');
  assert.equal(listed.history, 'forbidden');

  // An account that is not a member, arriving by a link to it: the same.
  const mallory = await openApp(fixture.browser, fixture.server, { path: '#vault' });
  await signUp(mallory.page, 'mallory', 'mallory password');
  await mallory.page.locator('#notices .notice', { hasText: '#vault is private' }).waitFor();
  await mallory.page.locator('#channel-list .conv', { hasText: 'vault' }).waitFor({ state: 'detached' });
  await mallory.page.waitForFunction(() => localStorage.getItem('parley.session') !== null);
  const token = await mallory.page.evaluate(() => JSON.parse(localStorage.getItem('parley.session')).token);
  const withToken = await mallory.page.evaluate(
    async (bearer) => (await fetch('/api/channels/vault/messages', { headers: { Authorization: `Bearer ${bearer}` } })).status,
    token,
  );
  assert.equal(withToken, 404);

  for (const who of [eve, mallory]) {
    const text = await who.page.locator('body').innerText();
    assert.ok(!text.includes('launch code') && !text.includes('do not share'), 'nothing of the channel is shown');
    assert.deepEqual(await messageTexts(who.page), []);
    assert.deepEqual(who.problems.pageErrors, []);
    await who.context.close();
  }
  await olga.close();
});

test("roles from joined: everyone's badges, ops menus only above, a mute that outlasts a reload, a ban", async () => {
  // Rosa owns the open-to-all but registered #town; Tomas arrives and she makes him an op.
  const rosa = await connectRaw(fixture.server.wsUrl, 'Rosa', { password: 'rosa password', register: true });
  await rosa.request({ type: 'create', channel: 'town', topic: 'Town hall' });
  const tomas = await openApp(fixture.browser, fixture.server, { path: '#town' });
  await signUp(tomas.page, 'Tomas', 'tomas password');
  await tomas.page.locator('#conv-title', { hasText: '#town' }).waitFor();
  await rosa.request({ type: 'role', channel: 'town', nick: 'tomas', role: 'op' });
  await tomas.page.locator('#messages .system', { hasText: 'Rosa made you an op' }).waitFor();

  // Dan joins later: the owner's and the op's badges come with `joined` (keyed in lower case).
  const dan = await openApp(fixture.browser, fixture.server, { path: '#town' });
  await signUp(dan.page, 'dan', 'dan password');
  await dan.page.locator('#conv-title', { hasText: '#town' }).waitFor();
  const badge = (page, nick) => page.locator('#member-list .member-row', { hasText: nick }).locator('.role-badge');
  await badge(dan.page, 'Rosa').filter({ hasText: 'owner' }).waitFor();
  await badge(dan.page, 'Tomas').filter({ hasText: 'op' }).waitFor();
  assert.equal(await dan.page.locator('#conv-topic').textContent(), 'Town hall');
  assert.ok(!(await dan.page.locator('#edit-topic').isVisible()), 'a member may not edit a registered topic');
  assert.equal(await dan.page.locator('.member-actions').count(), 0, 'a member has no ops menu');
  // In the open #general any member may set the topic.
  await dan.page.locator('#channel-list .conv', { hasText: 'general' }).click();
  await dan.page.locator('#edit-topic', { hasText: 'Set a topic' }).waitFor();
  await dan.page.locator('#channel-list .conv', { hasText: 'town' }).click();

  // The op has a menu on dan, none on the owner, and no roles to give.
  await tomas.page.locator('#member-list .member', { hasText: 'dan' }).waitFor();
  await badge(tomas.page, 'Rosa').filter({ hasText: 'owner' }).waitFor();
  assert.equal(await actionsFor(tomas.page, 'Rosa').count(), 0, 'an op cannot act on the owner');
  await actionsFor(tomas.page, 'dan').click();
  assert.ok(!(await tomas.page.locator('#member-dialog [data-action="op"]').isVisible()), 'only the owner gives roles');
  await tomas.page.locator('#member-dialog [data-close]').click();
  // Muted, dan reloads (with his kept token): `joined` says so; the message box is off and says why.
  await memberAction(tomas.page, 'dan', 'mute');
  await dan.page.waitForFunction(() => localStorage.getItem('parley.session') !== null);
  await dan.page.reload();
  await dan.page.locator('#muted-note', { hasText: 'You are muted in #town' }).waitFor();
  assert.equal(await dan.page.locator('#composer-input:disabled').getAttribute('placeholder'), 'You are muted in #town');
  // "Try again" while still muted: refused, and the box is off again.
  await dan.page.locator('#muted-retry').click();
  await dan.page.locator('#composer-input').fill('am I heard now?');
  await dan.page.locator('#composer-input').press('Enter');
  await dan.page.locator('#messages .msg.failed', { hasText: 'am I heard now?' }).waitFor();
  await dan.page.locator('#muted-note').waitFor();
  assert.ok(await dan.page.locator('#composer-input').isDisabled());
  // Unmuted, the failed message's Retry goes through and turns the box back on.
  await memberAction(tomas.page, 'dan', 'unmute');
  await dan.page.locator('#messages .msg.failed').getByRole('button', { name: 'Retry' }).click();
  await tomas.page.locator('#messages .msg .text', { hasText: 'am I heard now?' }).waitFor();
  await dan.page.locator('#muted-note').waitFor({ state: 'hidden' });
  assert.ok(!(await dan.page.locator('#composer-input').isDisabled()));

  // Banned: told as a ban, not as a kick, and joining again is refused.
  await memberAction(tomas.page, 'dan', 'ban', 'spam');
  await tomas.page.locator('#messages .system', { hasText: 'You banned dan.' }).waitFor();
  await dan.page.locator('#messages .system.removed', { hasText: 'You were banned from #town by Tomas (“spam”).' }).waitFor();
  await dan.page.locator('#channel-list .conv', { hasText: 'town' }).locator('.conv-state', { hasText: 'banned' }).waitFor();
  assert.equal(await dan.page.locator('#conv-subtitle').textContent(), 'You were banned');
  await dan.page.locator('#join-input').fill('town');
  await dan.page.locator('#join-form button').click();
  await dan.page.locator('#notices .notice', { hasText: 'You are banned from #town.' }).waitFor();
  await saveScreenshot(dan.page, 'accounts-banned');

  for (const who of [tomas, dan]) assert.deepEqual(who.problems.pageErrors, []);
  await Promise.all([tomas.context.close(), dan.context.close(), rosa.close()]);
});

test('sign-in screen with accounts', async () => {
  const { page, context } = await openApp(fixture.browser, fixture.server);
  await page.locator('#mode-signup').click();
  await page.locator('#nick-input').fill('newcomer');
  await saveScreenshot(page, 'sign-up');
  // A guest page is unchanged: a nickname is enough.
  await page.locator('#mode-guest').click();
  await signIn(page, 'newcomer');
  assert.ok(!(await page.locator('#new-channel').isVisible()), 'guests cannot create channels');
  assert.ok(!(await page.locator('#change-password').isVisible()), 'guests have no password');
  await context.close();
});

test("phone: a private channel with a long topic, its owner's buttons, and a dialog fit the screen", async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { viewport: PHONE });
  await signUp(page, 'pia', 'pia password');
  await page.locator('#open-sidebar').click();
  await page.locator('#new-channel').click();
  await page.locator('#create-name').fill('phone-room');
  await page.locator('#create-topic').fill('A topic long enough to need cutting short on a narrow phone screen, '.repeat(3));
  await page.getByRole('switch', { name: /Private/ }).check();
  await page.waitForTimeout(300); // the switch's knob slides over
  await saveScreenshot(page, 'phone-create-dialog');
  await page.locator('#create-button').click();
  await page.locator('#conv-title', { hasText: '#phone-room' }).waitFor();
  await page.locator('#invite-button').waitFor();
  await page.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().right <= 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
  const header = await page.locator('.conv-header').boundingBox();
  for (const id of ['#invite-button', '#toggle-members', '#leave-conv']) {
    const box = await page.locator(id).boundingBox();
    assert.ok(box.x + box.width <= header.x + header.width + 1, `${id} stays on screen`);
  }
  await saveScreenshot(page, 'phone-private-channel');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});
