// parley.js on its own, from Node (with the `ws` package as its WebSocket), against the real
// server: the promise API, the outbox while offline, recovery after a restart, and changes to
// messages (edits, deletions, reactions) folded into the same state live and after a reconnect.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ParleyClient, applyChange, backoffDelay, messageState } from '../../web/parley.js';
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

// A WebSocket whose connections the test can cut, and keep from coming back until it allows.
class CuttableSocket extends WebSocket {
  static live = new Set();
  static blocked = false;

  constructor(...args) {
    super(...args);
    if (CuttableSocket.blocked) this.terminate();
    else CuttableSocket.live.add(this);
  }

  static cut() {
    CuttableSocket.blocked = true;
    for (const socket of CuttableSocket.live) socket.terminate();
    CuttableSocket.live.clear();
  }
}

test('changes: reply, edit, react, delete, and a reconnect that applies what was missed once', async () => {
  const ann = makeClient('lib_author');
  const bob = makeClient('lib_follower', { WebSocket: CuttableSocket });
  await ann.connect();
  await bob.connect();
  await ann.join('changes');
  // bob keeps every message's state from what parley.js hands him, as an app would.
  const states = new Map();
  const delivered = [];
  const take = (entry) => {
    delivered.push(entry.seq);
    if (entry.type === 'message') states.set(entry.seq, messageState(entry));
    else applyChange(states.get(entry.target), entry);
  };
  bob.on('joined', (joined) => joined.history.forEach(take));
  for (const type of ['message', 'edited', 'deleted', 'reaction']) bob.on(type, take);
  await bob.join('changes');

  const { seq: first } = await ann.say('changes', 'first');
  const { seq: answer } = await bob.say('changes', 'an answer', { replyTo: first });
  await until(() => states.get(answer)?.replyTo === first, 'the reply with reply_to');
  const edited = await ann.edit('changes', first, 'first, edited');
  assert.ok(edited.seq > answer, 'an edit takes the next seq');
  const reacted = await bob.react('changes', first, '👍');
  assert.ok(reacted.seq > edited.seq);
  const again = await bob.react('changes', first, '👍');
  assert.equal(again.seq, undefined, 'reacting twice changes nothing');
  await until(() => states.get(first)?.reactions.get('👍')?.join() === 'lib_follower', 'the reaction');
  assert.equal(states.get(first).text, 'first, edited');
  await assert.rejects(bob.edit('changes', first, 'not mine'), { code: 'forbidden' });
  await assert.rejects(ann.edit('changes', 9999, 'nothing there'), { code: 'no_such_message' });
  await assert.rejects(ann.react('changes', first, 'two words'), { code: 'bad_request' });

  CuttableSocket.cut();
  await until(() => bob.state === 'reconnecting', 'bob to notice');
  await ann.edit('changes', first, 'first, edited twice');
  await ann.react('changes', answer, '🎉');
  await ann.react('changes', first, '👀');
  await ann.unreact('changes', first, '👀');
  const { seq: gone } = await ann.say('changes', 'gone soon');
  await ann.deleteMessage('changes', gone);
  await assert.rejects(ann.deleteMessage('changes', answer), { code: 'forbidden' }, 'only its author or an op');
  const { seq: last } = await ann.say('changes', 'last');
  CuttableSocket.blocked = false;
  bob.reconnectNow();
  await until(() => states.has(last), 'the re-join');

  assert.equal(new Set(delivered).size, delivered.length, `every event once (${delivered})`);
  // Folding the events gives what the server's history page says is the current state.
  // (A page does not say who deleted a message; the `deleted` event does.)
  const plain = (state) => ({ ...state, reactions: Object.fromEntries(state.reactions), deletedBy: null });
  const page = await bob.history('changes', { limit: 100 });
  assert.deepEqual([...states.values()].map(plain), page.map(messageState).map(plain));
  assert.equal(states.get(first).text, 'first, edited twice');
  assert.deepEqual([...states.get(first).reactions.keys()], ['👍']);
  assert.ok(states.get(gone).deleted);
  assert.deepEqual(Object.fromEntries(states.get(answer).reactions), { '🎉': ['lib_author'] });
  ann.close();
  bob.close();
});

test('backoff grows exponentially, is capped, and is jittered', () => {
  assert.equal(backoffDelay(0, 500, 15000, () => 0), 250);
  assert.equal(backoffDelay(0, 500, 15000, () => 1), 500);
  assert.equal(backoffDelay(3, 500, 15000, () => 1), 4000);
  assert.equal(backoffDelay(10, 500, 15000, () => 1), 15000);
  assert.equal(backoffDelay(10, 500, 15000, () => 0), 7500);
});
