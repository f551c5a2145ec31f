// Debian's chromium driven by playwright-core: never a downloaded browser.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifactsDir = path.resolve(here, '..', 'artifacts');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// Generous: the machine has two cores and CI may be busy building at the same time.
export const WAIT_MS = 20000;

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Opens the app (at `path`, e.g. "#channel") in its own browser context (own localStorage, like a separate person) and, when
// a nick is given, signs in and waits for the chat to be shown.
export async function openApp(browser, server, { nick, viewport = DESKTOP, path: urlPath = '', colorScheme } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems = { pageErrors: [], dialogs: [] };
  page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  await page.goto(`${server.httpUrl}/${urlPath}`);
  if (nick) await signIn(page, nick);
  return { page, context, problems };
}

export async function signIn(page, nick) {
  await page.locator('#nick-input').fill(nick);
  await page.locator('#login-button').click();
  await page.locator('#app').waitFor({ state: 'visible' });
}

// Creates an account from the sign-in form ("Sign up") and waits for the chat.
export async function signUp(page, nick, password) {
  await page.locator('#mode-signup').click();
  await page.locator('#nick-input').fill(nick);
  await page.locator('#password-input').fill(password);
  await page.locator('#login-button').click();
  await page.locator('#app').waitFor({ state: 'visible' });
}

// Logs in to an account from the sign-in form ("Log in") and waits for the chat.
export async function logIn(page, nick, password) {
  await page.locator('#mode-login').click();
  await page.locator('#nick-input').fill(nick);
  await page.locator('#password-input').fill(password);
  await page.locator('#login-button').click();
  await page.locator('#app').waitFor({ state: 'visible' });
}

// Everything the page keeps in localStorage and sessionStorage, as one string to search.
export function storedText(page) {
  return page.evaluate(() => {
    const all = [];
    for (const area of [localStorage, sessionStorage]) {
      for (let i = 0; i < area.length; i += 1) all.push(`${area.key(i)}=${area.getItem(area.key(i))}`);
    }
    return all.join('\n');
  });
}

// The text of every message shown in the open conversation, in order.
export function messageTexts(page) {
  return page.locator('#messages .msg:not(.pending) .text').allTextContents();
}

export function saveScreenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  return page.screenshot({ path: path.join(artifactsDir, `${name}.png`) });
}
