// The server restarts mid-session. Meanwhile another user sends messages and the reader writes
// one while offline; when the page is back it shows each of them exactly once, in order. And a
// connection lost between a say and its ok: the page sends it again, and it is shown once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTexts, openApp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';
import { makeDataDir, startParley } from './lib/server.js';

const fixture = useParley();

test('the page reconnects after a server restart and shows what it missed exactly once', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'ann' });
  const frames = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => frames.push({ sent: JSON.parse(frame.payload) }));
    socket.on('framereceived', (frame) => frames.push({ received: JSON.parse(frame.payload) }));
  });
  await page.locator('#conv-title', { hasText: '#general' }).waitFor();

  let bob = await connectRaw(fixture.server.wsUrl, 'bob');
  await bob.join('general');
  await bob.say('general', 'before the restart');
  await page.locator('#messages .msg .text', { hasText: 'before the restart' }).waitFor();

  // SIGTERM: the server says goodbye (1001) and the page starts reconnecting.
  await fixture.server.stop();
  await page.locator('#banner', { hasText: /Reconnecting/ }).waitFor();

  // Keep the page offline while the server comes back, so what bob sends now can only reach
  // it through the re-join (`since`), not live.
  await context.setOffline(true);
  fixture.server = await startParley({ port: fixture.server.port, dataFile: fixture.data.file });
  bob = await connectRaw(fixture.server.wsUrl, 'bob');
  await bob.join('general');
  const missed = ['missed one', 'missed two', 'missed three'];
  for (const text of missed) await bob.say('general', text);

  // Written while offline: shown as waiting, sent once the connection is back.
  await page.locator('#composer-input').fill('written while offline');
  await page.locator('#composer-input').press('Enter');
  await page.locator('#messages .msg.pending', { hasText: 'will send when back online' }).waitFor();

  await context.setOffline(false);
  await page.locator('#messages .msg .text', { hasText: 'missed three' }).waitFor({ timeout: 40000 });
  await bob.waitFor((f) => f.type === 'message' && f.text === 'written while offline', 'the offline message', 40000);
  await page.locator('#messages .msg.own:not(.pending) .text', { hasText: 'written while offline' }).waitFor();
  await page.locator('#banner').waitFor({ state: 'hidden' });

  assert.deepEqual(await messageTexts(page), ['before the restart', ...missed, 'written while offline']);
  const seqs = await page.locator('#messages .msg').evaluateAll((items) => items.map((li) => Number(li.dataset.seq)));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5], 'seqs continue across the restart, none shown twice');

  // The missed messages came through the re-join with `since`, as the protocol intends.
  const rejoin = frames.find((f) => f.sent?.type === 'join' && f.sent.channel === 'general' && f.sent.since === 1);
  assert.ok(rejoin, 'the page re-joined #general with since = the last seq it had seen');
  const joined = frames.find((f) => f.received?.type === 'joined' && f.received.id === rejoin.sent.id);
  assert.deepEqual(
    joined.received.history.map((m) => m.text),
    missed,
  );

  // bob got the offline message exactly once.
  const copies = bob.frames.filter((f) => f.type === 'message' && f.text === 'written while offline');
  assert.equal(copies.length, 1);

  assert.deepEqual(problems.pageErrors, []);
  await bob.close();
  await context.close();
});

test('after missing more than the server replays, the page says so and pages back', async () => {
  const own = makeDataDir();
  const sinceCap = ['--since-cap', '5'];
  let gapServer = await startParley({ dataFile: own.file, extraArgs: sinceCap });
  const { page, context, problems } = await openApp(fixture.browser, gapServer, { nick: 'away', path: '#busy' });
  let writer = await connectRaw(gapServer.wsUrl, 'chatty');
  await writer.join('busy');
  await writer.say('busy', 'busy 1');
  await page.locator('#messages .msg .text', { hasText: 'busy 1' }).waitFor();

  await gapServer.stop();
  await page.locator('#banner', { hasText: /Reconnecting/ }).waitFor();
  await context.setOffline(true);
  gapServer = await startParley({ port: gapServer.port, dataFile: own.file, extraArgs: sinceCap });
  writer = await connectRaw(gapServer.wsUrl, 'chatty');
  await writer.join('busy');
  for (let n = 2; n <= 12; n += 1) await writer.say('busy', `busy ${n}`);
  await context.setOffline(false);

  await page.locator('#messages .system.note', { hasText: 'You were away long enough to miss some messages' }).waitFor();
  await page.locator('#messages .msg .text', { hasText: 'busy 12' }).waitFor();
  // Scrolling up fills the hole from history, each message once.
  const start = page.locator('#messages .start-marker');
  for (let i = 0; i < 10 && !(await start.isVisible()); i += 1) {
    await page.locator('#messages').evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.locator('#history-status').waitFor({ state: 'hidden' });
  }
  await start.waitFor();
  const expected = Array.from({ length: 12 }, (_, i) => `busy ${i + 1}`);
  assert.deepEqual(await messageTexts(page), expected);
  assert.deepEqual(problems.pageErrors, []);
  await writer.close();
  await context.close();
  await gapServer.stop();
  own.cleanup();
});

// The page's say reaches the server and is stored, but the connection drops before its `ok` gets
// back. The page re-joins and sends it again under the same key: the server answers with the first
// copy's seq, and the message is shown, stored and delivered once.
test('a message whose ok was lost with the connection is shown once after the page sends it again', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'kay', path: '#resend' });
  const bob = await connectRaw(fixture.server.wsUrl, 'ray');
  await bob.join('resend');
  const says = [];
  await context.routeWebSocket(/\/ws$/, (socket) => {
    const server = socket.connectToServer();
    let muted = false;
    server.onMessage((message) => !muted && socket.send(message));
    socket.onMessage((message) => {
      server.send(message);
      const frame = JSON.parse(message);
      if (frame.type !== 'say') return;
      says.push(frame);
      if (says.length > 1) return;
      muted = true; // nothing more reaches the page over this connection, the ok included
      bob
        .waitFor((f) => f.type === 'message' && f.text === 'said once')
        .then(() => socket.close({ code: 4000, reason: 'network lost' }))
        .then(() => server.close());
    });
  });
  await page.reload(); // the route applies to pages loaded after it was set up
  await page.locator('#conv-title', { hasText: '#resend' }).waitFor();

  await page.locator('#composer-input').fill('said once');
  await page.locator('#composer-input').press('Enter');
  const stored = await bob.waitFor((f) => f.type === 'message' && f.text === 'said once');
  await page.locator('#messages .msg.own:not(.pending) .text', { hasText: 'said once' }).waitFor({ timeout: 40000 });
  await page.locator('#banner').waitFor({ state: 'hidden' });
  await page.locator('#composer-input').fill('then this');
  await page.locator('#composer-input').press('Enter');
  await bob.waitFor((f) => f.type === 'message' && f.text === 'then this');
  await page.locator('#messages .msg.own:not(.pending) .text', { hasText: 'then this' }).waitFor();

  assert.equal(says.filter((frame) => frame.text === 'said once').length, 2, 'sent, then sent again');
  assert.equal(says[1].key, says[0].key, 'under the same key');
  assert.deepEqual(await messageTexts(page), ['said once', 'then this']);
  const seqs = await page.locator('#messages .msg').evaluateAll((items) => items.map((li) => Number(li.dataset.seq)));
  assert.deepEqual(seqs, [stored.seq, stored.seq + 1], 'the first copy, once');
  assert.equal(await page.locator('#messages .msg.pending, #messages .msg.failed').count(), 0);
  assert.equal(bob.frames.filter((f) => f.type === 'message' && f.text === 'said once').length, 1);
  const history = await (await fetch(`${fixture.server.httpUrl}/api/channels/resend/messages`)).json();
  assert.deepEqual(history.messages.map((m) => m.text), ['said once', 'then this']);

  assert.deepEqual(problems.pageErrors, []);
  await bob.close();
  await context.close();
});
