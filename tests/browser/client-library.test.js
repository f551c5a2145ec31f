// parley.js on its own, from Node (with the `ws` package as its WebSocket), against the real
// server: the promise API, the outbox while offline, and recovery after a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ParleyClient, backoffDelay } from '../../web/parley.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';
import { startParley } from './lib/server.js';

const clients = [];
const fixture = useParley({
  browser: false,
  teardown: async () => {
    for (const client of clients) client.close();
  },
});

function makeClient(nick, options = {}) {
  const client = new ParleyClient({ url: fixture.server.wsUrl, nick, WebSocket, backoffBaseMs: 100, ...options });
  clients.push(client);
  return client;
}

// Polls a condition on state the test collects; events may fire before a listener could attach.
async function until(condition, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function nextEvent(client, type, predicate = () => true, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event in time`)), timeoutMs);
    const off = client.on(type, (detail) => {
      if (!predicate(detail)) return;
      clearTimeout(timer);
      off();
      resolve(detail);
    });
  });
}

test('promise API: connect, join, say, history, dm', async () => {
  const ann = makeClient('lib_ann');
  const welcome = await ann.connect();
  assert.equal(welcome.nick, 'lib_ann');
  assert.ok(ann.limits.max_text_chars > 0);
  const joined = await ann.join('lib');
  assert.equal(joined.channel, 'lib');
  assert.deepEqual(joined.history, []);

  const seen = [];
  ann.on('message', (message) => seen.push(message.seq));
  const acks = [];
  for (let i = 1; i <= 5; i += 1) acks.push((await ann.say('lib', `m${i}`)).seq);
  assert.deepEqual(acks, [1, 2, 3, 4, 5]);
  // A `say`'s ok and its own message may come in either order (docs/protocol.md, "say").
  await until(() => seen.length === 5, 'ann\'s own five messages');
  assert.equal(ann.lastSeq('lib'), 5);
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);

  const page = await ann.history('lib', { before: 4, limit: 2 });
  assert.deepEqual(page.map((m) => m.text), ['m2', 'm3']);
  assert.deepEqual(await ann.history('lib', { before: 1 }), []);

  const bob = makeClient('lib_bob');
  await bob.connect();
  const arriving = nextEvent(bob, 'dm');
  const sent = await ann.dm('lib_bob', 'private hello');
  assert.equal(sent.to, 'lib_bob');
  const received = await arriving;
  assert.equal(received.text, 'private hello');
  assert.equal(received.from, 'lib_ann');

  await assert.rejects(ann.say('lib', '   '), { code: 'text_invalid' });
  await assert.rejects(ann.say('lib', 'x'.repeat(ann.limits.max_text_chars + 1)), { code: 'text_invalid' });
  await assert.rejects(ann.say('never-joined', 'hi'), { code: 'not_member' });
  await assert.rejects(ann.dm('nobody_here', 'hi'), { code: 'no_such_user' });
  ann.close();
  bob.close();
});

test('a refused first hello rejects connect() and does not retry', async () => {
  const first = makeClient('lib_taken');
  await first.connect();
  const second = makeClient('lib_taken');
  await assert.rejects(second.connect(), { code: 'nick_taken' });
  assert.equal(second.state, 'closed');
  first.close();
});

test('restart: the outbox is delivered once and missed messages arrive once, in order', async () => {
  const reader = makeClient('lib_reader', { outboxLimit: 3 });
  await reader.connect();
  await reader.join('recover');
  const received = [];
  reader.on('joined', (joined) => received.push(...joined.history.map((m) => m.text)));
  reader.on('message', (message) => received.push(message.text));
  const states = [];
  reader.on('state', ({ state }) => states.push(state));

  let writer = await connectRaw(fixture.server.wsUrl, 'lib_writer');
  await writer.join('recover');
  await writer.say('recover', 'before');
  await until(() => received.includes('before'), 'the first message');

  await fixture.server.stop();
  await until(() => states.includes('reconnecting'), 'the client to notice the restart');
  // Offline: sends wait in the bounded outbox.
  const queued = [reader.say('recover', 'queued 1'), reader.say('recover', 'queued 2'), reader.dm('lib_writer', 'dm while away')];
  await assert.rejects(reader.say('recover', 'one too many'), { code: 'outbox_full' });
  assert.equal(reader.outboxSize, 3);

  fixture.server = await startParley({ port: fixture.server.port, dataFile: fixture.data.file });
  writer = await connectRaw(fixture.server.wsUrl, 'lib_writer');
  await writer.join('recover');
  await writer.say('recover', 'after');

  const [first, second, dm] = await Promise.all(queued);
  assert.ok(second.seq > first.seq);
  assert.equal(dm.to, 'lib_writer');
  await writer.waitFor((f) => f.type === 'dm' && f.text === 'dm while away', 'the queued dm');
  await until(() => ['after', 'queued 1', 'queued 2'].every((t) => received.includes(t)), 'every message');
  for (const text of ['before', 'after', 'queued 1', 'queued 2']) {
    assert.equal(received.filter((t) => t === text).length, 1, `"${text}" exactly once (${received})`);
  }
  assert.ok(states.includes('open'));
  assert.equal(reader.outboxSize, 0);
  await writer.close();
  reader.close();
});

test('backoff grows exponentially, is capped, and is jittered', () => {
  assert.equal(backoffDelay(0, 500, 15000, () => 0), 250);
  assert.equal(backoffDelay(0, 500, 15000, () => 1), 500);
  assert.equal(backoffDelay(3, 500, 15000, () => 1), 4000);
  assert.equal(backoffDelay(10, 500, 15000, () => 1), 15000);
  assert.equal(backoffDelay(10, 500, 15000, () => 0), 7500);
});
