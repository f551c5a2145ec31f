// Errors read as sentences a person can act on: a nick clash, an invalid nick, a message over the
// server's length limit (which the page learns from `welcome`), a channel name that cannot exist.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, signIn } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { makeToken, startParley } from './lib/server.js';

const fixture = useParley();

test('a nick clash shows a readable error and lets you pick another', async () => {
  const first = await openApp(fixture.browser, fixture.server, { nick: 'ann' });
  await first.page.locator('#conv-title', { hasText: '#general' }).waitFor();

  const second = await openApp(fixture.browser, fixture.server);
  const { page } = second;
  await page.locator('#nick-input').fill('ann');
  await page.locator('#login-button').click();
  const error = page.locator('#login-error');
  await error.waitFor({ state: 'visible' });
  assert.equal(await error.textContent(), 'The nickname “ann” is already in use. Pick another one.');
  assert.ok(await page.locator('#login-form').isVisible(), 'still on the sign-in form');
  assert.equal(await page.locator('#nick-input').evaluate((el) => el === document.activeElement), true);

  // An impossible nick is refused before it is even sent.
  await page.locator('#nick-input').fill('ann smith');
  await page.locator('#login-button').click();
  await error.filter({ hasText: 'A nickname is 1 to 32 letters, digits' }).waitFor();

  await signIn(page, 'ann2');
  await page.locator('#me-nick', { hasText: 'ann2' }).waitFor();
  await first.page.locator('#member-list .member', { hasText: 'ann2' }).waitFor();
  assert.deepEqual(second.problems.pageErrors, []);
  await second.context.close();
  await first.context.close();
});

test('a message over the length limit is explained and kept for editing', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'writer' });
  await page.locator('#conv-title', { hasText: '#general' }).waitFor();
  const limit = await page.evaluate(async () => {
    // The limit the server announced, read the way the app reads it.
    const { ParleyClient } = await import('/parley.js');
    const probe = new ParleyClient({ nick: 'probe-limits' });
    const welcome = await probe.connect();
    probe.close();
    return welcome.limits.max_text_chars;
  });
  assert.ok(limit > 0);
  const tooLong = 'x'.repeat(limit + 1);
  const box = page.locator('#composer-input');
  await box.fill(tooLong);
  await page.locator('#char-count', { hasText: `${limit + 1} / ${limit}` }).waitFor();
  await box.press('Enter');
  await page
    .locator('#notices .notice', {
      hasText: `That message is too long: ${limit + 1} characters, the limit is ${limit}.`,
    })
    .waitFor();
  assert.equal(await box.inputValue(), tooLong, 'the text stays in the box');
  assert.equal(await page.locator('#messages .msg').count(), 0, 'nothing was sent');

  // A channel name the protocol does not allow.
  await page.locator('#join-input').fill('no spaces allowed');
  await page.locator('#join-form button').click();
  await page.locator('#notices .notice', { hasText: 'A channel name is 1 to 64 letters' }).waitFor();
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

test('a server with auth asks for a token, and a link can carry it', async () => {
  const secret = 'browser-test-secret-0123456789abcdef';
  const authServer = await startParley({ extraArgs: ['--auth-secret', secret] });
  try {
    const { page, context, problems } = await openApp(fixture.browser, authServer);
    await page.locator('#nick-input').fill('zoe');
    await page.locator('#login-button').click();
    await page
      .locator('#login-error', { hasText: 'This server needs an account: log in with your password, or use an access token.' })
      .waitFor();
    await page.locator('#token-input').waitFor({ state: 'visible' });

    // A token made for someone else is refused with its own sentence.
    await page.locator('#token-input').fill(makeToken('not_zoe', secret));
    await page.locator('#login-button').click();
    await page.locator('#login-error', { hasText: 'did not accept this access token' }).waitFor();

    await page.locator('#token-input').fill(makeToken('zoe', secret));
    await page.locator('#login-button').click();
    await page.locator('#me-nick', { hasText: 'zoe' }).waitFor();
    assert.deepEqual(problems.pageErrors, []);
    await context.close();

    // An invitation link: the token is taken from the address and removed from it.
    const invited = await openApp(fixture.browser, authServer, { path: `?token=${makeToken('yan', secret)}` });
    await invited.page.locator('#nick-input').fill('yan');
    await invited.page.locator('#login-button').click();
    await invited.page.locator('#me-nick', { hasText: 'yan' }).waitFor();
    assert.doesNotMatch(invited.page.url(), /token=/);
    await invited.context.close();
  } finally {
    await authServer.stop();
  }
});
