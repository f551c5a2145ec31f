// Message text is shown as text: HTML in a message is never markup, and only http(s) links
// become clickable, opening in a new tab without access to this one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './lib/browser.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';

const XSS = '<img src=x onerror=alert(1)>';
const fixture = useParley();

test('an HTML payload renders as text and runs nothing', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'ann' });
  await page.locator('#conv-title', { hasText: '#general' }).waitFor();
  const mallory = await connectRaw(fixture.server.wsUrl, 'mallory');
  await mallory.join('general');
  await mallory.say('general', XSS);
  await mallory.say('general', '<script>alert(2)</script><b>bold?</b>');

  // The page's own composer goes through the same path.
  await page.locator('#composer-input').fill(`${XSS} typed by ann`);
  await page.locator('#composer-input').press('Enter');

  const texts = page.locator('#messages .msg .text');
  await texts.filter({ hasText: 'typed by ann' }).waitFor();
  await texts.filter({ hasText: XSS }).first().waitFor();
  assert.equal(await texts.nth(0).textContent(), XSS);
  assert.equal(await texts.nth(1).textContent(), '<script>alert(2)</script><b>bold?</b>');
  assert.equal(await page.locator('#messages img, #messages script, #messages b').count(), 0);
  // From history after a reload: the same rendering path, the same result.
  await page.reload();
  await texts.filter({ hasText: 'typed by ann' }).waitFor();
  assert.equal(await page.locator('#messages img, #messages script, #messages b').count(), 0);
  assert.equal(await texts.filter({ hasText: XSS }).count(), 2);

  assert.deepEqual(problems.dialogs, [], 'no alert fired');
  assert.deepEqual(problems.pageErrors, []);
  await mallory.close();
  await context.close();
});

test('web links are clickable and safe, other schemes stay text', async () => {
  const { page, context, problems } = await openApp(fixture.browser, fixture.server, { nick: 'linker' });
  await page.locator('#conv-title', { hasText: '#general' }).waitFor();
  const text = 'docs at https://example.com/guide?a=1&b=2. and javascript:alert(3) or www.example.org!';
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
  const message = page.locator('#messages .msg:not(.pending)', { hasText: 'docs at' }).last();
  await message.waitFor();
  assert.equal(await message.locator('.text').textContent(), text, 'the text is unchanged');

  const links = message.locator('a');
  assert.equal(await links.count(), 2);
  assert.equal(await links.nth(0).getAttribute('href'), 'https://example.com/guide?a=1&b=2');
  assert.equal(await links.nth(0).textContent(), 'https://example.com/guide?a=1&b=2');
  assert.equal(await links.nth(1).getAttribute('href'), 'https://www.example.org/');
  for (const i of [0, 1]) {
    assert.equal(await links.nth(i).getAttribute('target'), '_blank');
    assert.match(await links.nth(i).getAttribute('rel'), /noopener/);
    assert.match(await links.nth(i).getAttribute('rel'), /noreferrer/);
  }
  assert.equal(await page.locator('#messages a[href^="javascript:"]').count(), 0);

  // The link splitter itself, on the cases that are easy to get wrong.
  const pieces = await page.evaluate(async () => {
    const { splitLinks } = await import('/format.js');
    const cases = [
      'see (https://en.wikipedia.org/wiki/Mercury_(planet)).',
      '"https://example.com/q"',
      'data:text/html,<b>x</b> and http://a.test/x>y',
    ];
    return cases.map((c) => splitLinks(c).filter((p) => p.href).map((p) => p.href));
  });
  assert.deepEqual(pieces, [
    ['https://en.wikipedia.org/wiki/Mercury_(planet)'],
    ['https://example.com/q'],
    ['http://a.test/x'],
  ]);
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});
