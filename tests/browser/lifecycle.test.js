// Messages that live: a reply quotes what it answers and leads back to it, an author edits (also
// with ↑ in the empty box) and deletes (after a confirmation) their message, reactions show as
// chips with counts and who gave them, and a page that was offline while all of that happened
// shows every change once after it reconnects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTexts, openApp, saveScreenshot, signIn, signUp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';

const fixture = useParley();

// The shown message (not a "sending…" copy) whose own text contains `text` (not a reply's quote).
function messageWith(page, text) {
  return page.locator('#messages .msg[data-seq]').filter({ has: page.locator('.content .text', { hasText: text }) });
}

// Its buttons show on hover, as a person would see them.
async function clickAction(page, text, name) {
  const message = messageWith(page, text);
  await message.hover();
  await message.getByRole('button', { name }).click();
}

async function send(page, text) {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
  await messageWith(page, text).waitFor();
}

function chip(page, text, emoji) {
  return messageWith(page, text).locator('.reaction', { hasText: emoji });
}

// Whether the element lies inside the visible part of the message area.
async function inView(page, locator) {
  const area = await page.locator('#messages').boundingBox();
  const box = await locator.boundingBox();
  return box !== null && box.y >= area.y - 1 && box.y + box.height <= area.y + area.height + 1;
}

// Scrolling is smooth, so it takes a moment to get there.
async function waitInView(page, locator) {
  for (let i = 0; i < 50 && !(await inView(page, locator)); i += 1) await page.waitForTimeout(100);
  return inView(page, locator);
}

test('reply, edit, react and delete between two pages', async () => {
  const ann = await openApp(fixture.browser, fixture.server, { nick: 'ann', path: '#plans' });
  const bob = await openApp(fixture.browser, fixture.server, { nick: 'bob', path: '#plans' });
  const annPage = ann.page;
  const bobPage = bob.page;
  await annPage.locator('#member-list .member', { hasText: 'bob' }).waitFor();

  await send(annPage, 'the first plan');
  // Enough chatter after it that it scrolls out of view.
  const carl = await connectRaw(fixture.server.wsUrl, 'carl');
  await carl.join('plans');
  for (let n = 1; n <= 30; n += 1) await carl.say('plans', `chatter ${n}`);
  await messageWith(bobPage, 'chatter 30').waitFor();

  // Reply: bob answers ann's plan; a quote of it sits above his message box until he sends.
  await clickAction(bobPage, 'the first plan', 'Reply to ann');
  await bobPage.locator('#composer-context', { hasText: 'Replying to ann: the first plan' }).waitFor();
  await send(bobPage, 'sounds good');
  await bobPage.locator('#composer-context').waitFor({ state: 'hidden' });
  const reply = messageWith(annPage, 'sounds good');
  await reply.locator('.reply-quote', { hasText: /ann\s*the first plan/ }).waitFor();
  const target = messageWith(annPage, 'the first plan');
  assert.equal(await inView(annPage, target), false, 'the plan is scrolled out of view');
  await reply.locator('.reply-quote').click();
  await annPage.locator('#messages .msg.highlight', { has: annPage.locator('.content', { hasText: 'the first plan' }) }).waitFor();
  assert.ok(await waitInView(annPage, target), 'the quote scrolled to the plan');

  // Escape takes a started reply back.
  await clickAction(bobPage, 'chatter 30', 'Reply to carl');
  await bobPage.locator('#composer-context', { hasText: 'Replying to carl' }).waitFor();
  await bobPage.locator('#composer-input').press('Escape');
  await bobPage.locator('#composer-context').waitFor({ state: 'hidden' });

  // Edit with ↑ in the empty box: ann's last message comes back into it.
  await annPage.locator('#composer-input').click();
  await annPage.locator('#composer-input').press('ArrowUp');
  await annPage.locator('#composer-context', { hasText: 'Editing your message' }).waitFor();
  assert.equal(await annPage.locator('#composer-input').inputValue(), 'the first plan');
  await annPage.locator('#composer-input').fill('the final plan');
  await annPage.locator('#composer-input').press('Enter');
  for (const page of [annPage, bobPage]) {
    await messageWith(page, 'the final plan').locator('.edited', { hasText: '(edited)' }).waitFor();
    await messageWith(page, 'sounds good').locator('.reply-quote', { hasText: 'the final plan' }).waitFor();
    assert.equal(await page.locator('#messages .msg .text', { hasText: 'the first plan' }).count(), 0);
  }
  // Edit with the button: only on one's own messages.
  assert.equal(await messageWith(bobPage, 'the final plan').getByRole('button', { name: 'Edit your message' }).count(), 0);
  await clickAction(bobPage, 'sounds good', 'Edit your message');
  assert.equal(await bobPage.locator('#composer-input').inputValue(), 'sounds good');
  await bobPage.locator('#composer-input').fill('sounds great');
  await bobPage.locator('#composer-input').press('Enter');
  await messageWith(annPage, 'sounds great').locator('.edited').waitFor();

  // React: bob picks 👍 from the picker; ann sees a chip with the count and who gave it.
  await clickAction(bobPage, 'the final plan', "React to ann's message");
  await bobPage.locator('#react-dialog').waitFor();
  await bobPage.getByRole('button', { name: 'React with 👍' }).click();
  await bobPage.locator('#react-dialog').waitFor({ state: 'hidden' });
  const annThumb = chip(annPage, 'the final plan', '👍');
  await annThumb.locator('.reaction-count', { hasText: '1' }).waitFor();
  assert.equal(await annThumb.getAttribute('title'), 'bob reacted with 👍');
  assert.equal(await annThumb.getAttribute('aria-pressed'), 'false');
  // Clicking the chip adds ann's own.
  await annThumb.click();
  await annThumb.locator('.reaction-count', { hasText: '2' }).waitFor();
  assert.equal(await annThumb.getAttribute('aria-pressed'), 'true');
  assert.equal(await annThumb.getAttribute('title'), 'bob and you reacted with 👍');
  const bobThumb = chip(bobPage, 'the final plan', '👍');
  await bobThumb.locator('.reaction-count', { hasText: '2' }).waitFor();
  assert.equal(await bobThumb.getAttribute('title'), 'you and ann reacted with 👍');
  // Any typed emoji; something else is refused in the picker.
  await clickAction(annPage, 'the final plan', 'React to your message');
  await annPage.locator('#react-input').fill('nice');
  await annPage.locator('#react-form button[type="submit"]').click();
  await annPage.locator('#react-error', { hasText: 'Type an emoji' }).waitFor();
  await annPage.locator('#react-input').fill('🚀');
  await annPage.locator('#react-form button[type="submit"]').click();
  await annPage.locator('#react-dialog').waitFor({ state: 'hidden' });
  await chip(bobPage, 'the final plan', '🚀').locator('.reaction-count', { hasText: '1' }).waitFor();
  // A second click takes ann's 👍 back: the count drops on both pages; bob's takes the chip away.
  await annThumb.click();
  await bobThumb.locator('.reaction-count', { hasText: '1' }).waitFor();
  assert.equal(await bobThumb.getAttribute('title'), 'you reacted with 👍');
  await bobThumb.click();
  await annThumb.waitFor({ state: 'detached' });
  await bobThumb.waitFor({ state: 'detached' });
  await saveScreenshot(bobPage, 'lifecycle-desktop-bob');

  // Delete: a confirmation first; Cancel keeps the message.
  await clickAction(annPage, 'the final plan', 'Delete your message');
  await annPage.locator('#delete-dialog', { hasText: 'the final plan' }).waitFor();
  await annPage.locator('#delete-cancel').click();
  await annPage.locator('#delete-dialog').waitFor({ state: 'hidden' });
  await messageWith(annPage, 'the final plan').waitFor();
  // bob has the picker open on it when ann deletes it for real.
  await clickAction(bobPage, 'the final plan', "React to ann's message");
  await bobPage.locator('#react-dialog').waitFor();
  await clickAction(annPage, 'the final plan', 'Delete your message');
  await annPage.locator('#delete-dialog button[type="submit"]').click();
  await annPage.locator('#delete-dialog').waitFor({ state: 'hidden' });
  for (const page of [annPage, bobPage]) {
    await page.locator('#messages .msg .deleted-text', { hasText: 'message deleted' }).waitFor();
    assert.equal(await page.locator('#messages .msg .text', { hasText: 'the final plan' }).count(), 0);
    await messageWith(page, 'sounds great').locator('.reply-quote', { hasText: 'message deleted' }).waitFor();
  }
  const deleted = annPage.locator('#messages .msg.deleted');
  assert.equal(await deleted.locator('.reaction').count(), 0, 'a deletion takes its reactions away');
  assert.equal(await deleted.locator('.msg-actions').count(), 0, 'nothing to do on a deleted message');
  // bob's reaction to what is gone is refused, and said so.
  await bobPage.getByRole('button', { name: 'React with 🎉' }).click();
  await bobPage.locator('#react-error', { hasText: 'That message is gone' }).waitFor();
  await bobPage.locator('#react-dialog button[data-close]').click();

  // A reload shows the same, from the history page's current state.
  await bobPage.reload();
  await messageWith(bobPage, 'sounds great').locator('.reply-quote', { hasText: 'message deleted' }).waitFor();
  await messageWith(bobPage, 'sounds great').locator('.edited').waitFor();
  assert.equal(await bobPage.locator('#messages .msg.deleted').count(), 1);

  assert.deepEqual(ann.problems.pageErrors, []);
  assert.deepEqual(bob.problems.pageErrors, []);
  await carl.close();
  await ann.context.close();
  await bob.context.close();
});

test("the owner of a channel deletes someone else's message; a member cannot", async () => {
  const owner = await openApp(fixture.browser, fixture.server);
  const ownerPage = owner.page;
  await signUp(ownerPage, 'dana', 'dana has a long password');
  await ownerPage.locator('#new-channel').click();
  await ownerPage.locator('#create-name').fill('club');
  await ownerPage.locator('#create-button').click();
  await ownerPage.locator('#conv-title', { hasText: '#club' }).waitFor();
  await send(ownerPage, 'house rules');

  const guest = await openApp(fixture.browser, fixture.server, { nick: 'eve', path: '#club' });
  const guestPage = guest.page;
  await messageWith(guestPage, 'house rules').waitFor();
  await send(guestPage, 'something rude');
  // eve may delete only her own; dana, the owner, anyone's.
  assert.equal(await messageWith(guestPage, 'house rules').getByRole('button', { name: /Delete/ }).count(), 0);
  assert.equal(await messageWith(guestPage, 'something rude').getByRole('button', { name: /Delete/ }).count(), 1);
  await clickAction(ownerPage, 'something rude', "Delete eve's message");
  await ownerPage.locator('#delete-title', { hasText: "Delete eve's message?" }).waitFor();
  await ownerPage.locator('#delete-dialog button[type="submit"]').click();
  for (const page of [ownerPage, guestPage]) {
    await page.locator('#messages .msg.deleted .deleted-text', { hasText: 'message deleted' }).waitFor();
    assert.deepEqual(await messageTexts(page), ['house rules', 'message deleted']);
  }
  assert.deepEqual(owner.problems.pageErrors, []);
  assert.deepEqual(guest.problems.pageErrors, []);
  await owner.context.close();
  await guest.context.close();
});

// bob's page reaches the server through a WebSocket route the test can cut: its connection drops
// and every new attempt is turned away until the test lets it through again.
async function cuttableConnection(context) {
  const state = { offline: false, sockets: new Set() };
  await context.routeWebSocket(/\/ws$/, (socket) => {
    if (state.offline) {
      socket.close({ code: 4001, reason: 'offline' });
      return;
    }
    socket.connectToServer();
    state.sockets.add(socket);
  });
  return {
    async goOffline() {
      state.offline = true;
      await context.setOffline(true);
      for (const socket of state.sockets) await socket.close({ code: 4000, reason: 'network lost' });
      state.sockets.clear();
    },
    async goOnline() {
      state.offline = false;
      await context.setOffline(false);
    },
  };
}

test('a page offline during edits, deletions and reactions shows each once when back', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { path: '#away' });
  const link = await cuttableConnection(context);
  await page.reload(); // the route applies to pages loaded after it was set up
  const frames = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => frames.push({ sent: JSON.parse(frame.payload) }));
    socket.on('framereceived', (frame) => frames.push({ received: JSON.parse(frame.payload) }));
  });
  await signIn(page, 'bob');
  await page.locator('#conv-title', { hasText: '#away' }).waitFor();

  const ann = await connectRaw(fixture.server.wsUrl, 'ann');
  const carl = await connectRaw(fixture.server.wsUrl, 'carl');
  await ann.join('away');
  await carl.join('away');
  const plan = (await ann.say('away', 'plan A')).seq;
  const typo = (await ann.say('away', 'a typo mesage')).seq;
  await send(page, 'lunch?');
  const lunch = Number(await messageWith(page, 'lunch?').getAttribute('data-seq'));
  const doomed = (await ann.say('away', 'soon gone')).seq;
  await carl.request({ type: 'react', channel: 'away', seq: plan, emoji: '👍' });
  await chip(page, 'plan A', '👍').waitFor();

  await link.goOffline();
  await page.locator('#banner', { hasText: /Reconnecting|Connection lost/ }).waitFor();

  // While bob is away: an edit, reactions given and taken back, deletions (one of a message with
  // a reaction, one of a message edited first), and a new reply that gets a reaction.
  const change = (frame) => ann.request({ channel: 'away', ...frame });
  await change({ type: 'edit', seq: plan, text: 'plan B' });
  await carl.request({ type: 'unreact', channel: 'away', seq: plan, emoji: '👍' });
  await change({ type: 'react', seq: typo, emoji: '👀' });
  await change({ type: 'delete', seq: typo });
  await change({ type: 'react', seq: lunch, emoji: '🎉' });
  await carl.request({ type: 'react', channel: 'away', seq: lunch, emoji: '🎉' });
  await carl.request({ type: 'react', channel: 'away', seq: lunch, emoji: '👀' });
  await carl.request({ type: 'unreact', channel: 'away', seq: lunch, emoji: '👀' });
  await change({ type: 'edit', seq: doomed, text: 'about to go' });
  await change({ type: 'delete', seq: doomed });
  const { seq: answer } = await change({ type: 'say', text: 'replying while you were away', reply_to: plan });
  await carl.request({ type: 'react', channel: 'away', seq: answer, emoji: '❤️' });
  // Nothing of it reached the page.
  assert.ok(await messageWith(page, 'plan A').isVisible());

  await link.goOnline();
  await messageWith(page, 'replying while you were away').waitFor({ timeout: 40000 });
  await page.locator('#banner').waitFor({ state: 'hidden' });

  const expectState = async (why) => {
    assert.deepEqual(
      await messageTexts(page),
      ['plan B', 'message deleted', 'lunch?', 'message deleted', 'replying while you were away'],
      why,
    );
    const seqs = await page.locator('#messages .msg').evaluateAll((items) => items.map((li) => Number(li.dataset.seq)));
    assert.deepEqual(seqs, [plan, typo, lunch, doomed, answer], `each message once (${why})`);
    assert.equal(await page.locator('#messages .edited').count(), 1, `one (edited) mark (${why})`);
    assert.equal(await messageWith(page, 'plan B').locator('.reaction').count(), 0, `👍 taken back (${why})`);
    assert.equal(await page.locator('#messages .msg.deleted .reaction').count(), 0);
    const lunchChips = messageWith(page, 'lunch?').locator('.reaction');
    assert.deepEqual(await lunchChips.allTextContents(), ['🎉2'], `🎉 twice, 👀 taken back (${why})`);
    assert.equal(await lunchChips.first().getAttribute('title'), 'ann and carl reacted with 🎉');
    const answerMessage = messageWith(page, 'replying while you were away');
    assert.deepEqual(await answerMessage.locator('.reaction').allTextContents(), ['❤️1']);
    await answerMessage.locator('.reply-quote', { hasText: /ann\s*plan B/ }).waitFor();
  };
  await expectState('after reconnecting');

  // It came through the re-join with `since`: the changes as events, in seq order.
  const rejoin = frames.find((f) => f.sent?.type === 'join' && f.sent.channel === 'away' && f.sent.since !== undefined);
  assert.ok(rejoin, 'the page re-joined with since');
  const joined = frames.find((f) => f.received?.type === 'joined' && f.received.id === rejoin.sent.id);
  const types = joined.received.history.map((entry) => entry.type);
  for (const type of ['edited', 'deleted', 'reaction', 'message']) assert.ok(types.includes(type), `${type} replayed`);

  // A second drop with nothing new changes nothing: no event is applied twice.
  await link.goOffline();
  await page.locator('#banner', { hasText: /Reconnecting|Connection lost/ }).waitFor();
  await link.goOnline();
  await page.locator('#banner').waitFor({ state: 'hidden', timeout: 40000 });
  await expectState('after a second reconnect');
  await saveScreenshot(page, 'lifecycle-after-offline');

  // A reload reads the same from the history page.
  await page.reload();
  await messageWith(page, 'replying while you were away').waitFor();
  await expectState('after a reload');

  assert.deepEqual(problems.pageErrors, []);
  await ann.close();
  await carl.close();
  await context.close();
});
