// Changing an account's password in the browser: refused with a sentence for a wrong current
// password or a short new one; then the new one logs in, the old one no longer does, and the
// page itself, whose token the change revoked, stays logged in across a reload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, openApp, signUp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';

const fixture = useParley();

test('changing the password: the new one logs in, the old one no longer does', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server);
  await signUp(page, 'pat', 'first password');
  await page.waitForTimeout(1100); // tokens count in seconds: the change comes in a later one
  const attempt = async (old, next) => {
    for (const [id, value] of [['old', old], ['new', next], ['again', next]]) await page.locator(`#password-${id}`).fill(value);
    await page.locator('#password-form button[type=submit]').click();
  };
  await page.locator('#change-password').click();
  await attempt('not my password', 'second password');
  await page.locator('#password-error', { hasText: 'Your current password is not right.' }).waitFor();
  await attempt('first password', 'short');
  await page.locator('#password-error', { hasText: 'A password is 8 to 128 characters long.' }).waitFor();
  await attempt('first password', 'second password');
  await page.locator('#password-dialog').waitFor({ state: 'hidden' });
  await page.locator('#notices .notice', { hasText: 'Your password is changed.' }).waitFor();
  // Tokens from before the change are refused; the page took a new one and stays logged in.
  await page.reload();
  await page.locator('#me-kind', { hasText: 'account' }).waitFor();
  await page.locator('#sign-out').click();
  await page.locator('#password-input').fill('first password');
  await page.locator('#login-button').click();
  await page.locator('#login-error', { hasText: 'Wrong nickname or password.' }).waitFor();
  await logIn(page, 'pat', 'second password');
  await page.locator('#me-kind', { hasText: 'account' }).waitFor();
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});
