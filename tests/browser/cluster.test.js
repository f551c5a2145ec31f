// Two nodes sharing Redis, one browser on each: they chat as on one server, see each other
// arrive and leave, and send each other direct messages.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, messageTexts, openApp } from './lib/browser.js';
import { startRedis } from './lib/redis.js';
import { startParley } from './lib/server.js';

let redis;
let nodes = [];
let browser;

async function startNode(name) {
  const node = await startParley({ extraArgs: ['--redis', redis.url, '--node', name, '--presence-window', '20ms'] });
  const deadline = Date.now() + 10000;
  while (!node.output().includes('cluster: subscribed')) {
    if (Date.now() > deadline) throw new Error(`node ${name} did not reach Redis:\n${node.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return node;
}

before(async () => {
  redis = await startRedis();
  nodes = [await startNode('left'), await startNode('right')];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.stop();
  await redis?.stop();
});

test('a user on each node chats, sees presence and gets direct messages', async () => {
  const ann = await openApp(browser, nodes[0], { nick: 'ann' });
  await ann.page.locator('#conv-title', { hasText: '#general' }).waitFor();
  const bob = await openApp(browser, nodes[1], { nick: 'bob' });
  await bob.page.locator('#conv-title', { hasText: '#general' }).waitFor();

  await ann.page.locator('#member-list .member', { hasText: 'bob' }).waitFor();
  await bob.page.locator('#member-list .member', { hasText: 'ann' }).waitFor();

  await ann.page.locator('#composer-input').fill('hello from the left node');
  await ann.page.locator('#composer-input').press('Enter');
  await bob.page.locator('#messages .msg .text', { hasText: 'hello from the left node' }).waitFor();
  await bob.page.locator('#composer-input').fill('and from the right one');
  await bob.page.locator('#composer-input').press('Enter');
  await ann.page.locator('#messages .msg .text', { hasText: 'and from the right one' }).waitFor();
  const expected = ['hello from the left node', 'and from the right one'];
  assert.deepEqual(await messageTexts(ann.page), expected);
  assert.deepEqual(await messageTexts(bob.page), expected);

  // A direct message from bob's node to ann's.
  await bob.page.locator('#member-list .member', { hasText: 'ann' }).click();
  await bob.page.locator('#conv-title', { hasText: '@ann' }).waitFor();
  await bob.page.locator('#composer-input').fill('just between us');
  await bob.page.locator('#composer-input').press('Enter');
  const dmButton = ann.page.locator('#dm-list .conv', { hasText: 'bob' });
  await dmButton.locator('.badge', { hasText: '1' }).waitFor();
  await dmButton.click();
  await ann.page.locator('#messages .msg .text', { hasText: 'just between us' }).waitFor();
  assert.deepEqual(await messageTexts(bob.page), ['just between us'], 'shown once to its sender');

  // bob closes his tab: ann's member list follows.
  await bob.context.close();
  await ann.page.locator('#member-list .member', { hasText: 'bob' }).waitFor({ state: 'detached' });
  assert.deepEqual(ann.problems.pageErrors, []);
});
