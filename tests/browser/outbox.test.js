// parley.js's outbox when the connection fails mid-send, from Node against the real server through
// a relay the test cuts (lib/ws-proxy.js): every say and dm carries an idempotency key, and a
// message sent again after a reconnect is stored and shown once, resolving with the first copy's
// seq (a dm's ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ParleyClient } from '../../web/parley.js';
import { useParley } from './lib/fixture.js';
import { connectRaw } from './lib/raw-client.js';
import { startProxy } from './lib/ws-proxy.js';

const cleanups = [];
const fixture = useParley({
  browser: false,
  teardown: async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  },
});

async function proxied(nick, options = {}) {
  const proxy = await startProxy(fixture.server.wsUrl);
  const client = new ParleyClient({ url: proxy.url, nick, WebSocket, backoffBaseMs: 100, ...options });
  cleanups.push(() => proxy.close(), () => client.close());
  await client.connect();
  return { client, proxy };
}

async function observer(nick) {
  const raw = await connectRaw(fixture.server.wsUrl, nick);
  cleanups.push(() => raw.close());
  return raw;
}

async function until(condition, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function reconnected(client) {
  return new Promise((resolve) => {
    const off = client.on('state', ({ state, reconnected: again }) => {
      if (state !== 'open' || !again) return;
      off();
      resolve();
    });
  });
}

// Everything a client was shown in a channel: `joined` histories (the re-join's included) and live messages.
function shownIn(client, channel) {
  const shown = [];
  client.on('joined', (joined) => joined.channel === channel && shown.push(...joined.history));
  client.on('message', (message) => message.channel === channel && shown.push(message));
  return shown;
}

async function storedTexts(channel) {
  const response = await fetch(`${fixture.server.httpUrl}/api/channels/${channel}/messages?limit=100`);
  assert.equal(response.status, 200);
  return (await response.json()).messages.map((message) => message.text);
}

const count = (list, text) => list.filter((item) => item.text === text).length;

test('a say whose ok is lost with the connection is sent again under its key: stored once, first seq', async () => {
  const { client: ann, proxy } = await proxied('key_ann');
  await ann.join('keys');
  const shown = shownIn(ann, 'keys');
  const bob = await observer('key_bob');
  await bob.join('keys');

  const says = [];
  proxy.onClientFrame = (frame, link) => {
    if (frame.type !== 'say') return false;
    says.push(frame);
    if (says.length > 1) return false;
    // The say reaches the server and is stored; its ok never gets back: the network goes first.
    link.mute();
    link.forward(frame);
    bob.waitFor((f) => f.type === 'message' && f.text === 'only once').then(() => link.cut());
    return true;
  };
  const { seq } = await ann.say('keys', 'only once');
  const first = await bob.waitFor((f) => f.type === 'message' && f.text === 'only once');
  assert.equal(seq, first.seq, 'the promise resolves with the seq of the copy that was stored');
  assert.equal(says.length, 2, 'sent, and sent again after the reconnect');
  assert.match(says[0].key, /^.{1,64}$/);
  assert.equal(says[1].key, says[0].key, 'under the same key');

  // A message after it: had a second copy been stored, bob would have it before this one.
  await ann.say('keys', 'next');
  await bob.waitFor((f) => f.type === 'message' && f.text === 'next');
  assert.equal(count(bob.frames.filter((f) => f.type === 'message'), 'only once'), 1, 'bob got it once');
  await until(() => count(shown, 'next') === 1, 'ann to see her next message');
  assert.equal(count(shown, 'only once'), 1, 'ann was shown it once (from the re-join)');
  assert.deepEqual(await storedTexts('keys'), ['only once', 'next']);
  assert.equal(ann.outboxSize, 0);
});

test('a dm whose ok is lost with the connection is sent again under its key: delivered once, first ts', async () => {
  const { client: ann, proxy } = await proxied('kdm_ann');
  const bob = await observer('kdm_bob');
  const shown = [];
  ann.on('dm', (dm) => shown.push(dm));

  const dms = [];
  proxy.onClientFrame = (frame, link) => {
    if (frame.type !== 'dm') return false;
    dms.push(frame);
    if (dms.length > 1) return false;
    link.mute();
    link.forward(frame);
    bob.waitFor((f) => f.type === 'dm' && f.text === 'psst, once').then(() => link.cut());
    return true;
  };
  const sent = await ann.dm('kdm_bob', 'psst, once');
  const received = await bob.waitFor((f) => f.type === 'dm' && f.text === 'psst, once');
  assert.equal(sent.ts, received.ts, 'the promise resolves with the stored ts');
  assert.equal(dms.length, 2);
  assert.equal(dms[1].key, dms[0].key);

  await ann.dm('kdm_bob', 'and another');
  await bob.waitFor((f) => f.type === 'dm' && f.text === 'and another');
  assert.equal(count(bob.frames.filter((f) => f.type === 'dm'), 'psst, once'), 1, 'bob got it once');
  assert.equal(count(shown, 'psst, once'), 1, 'ann was shown it once');

  // What the server stored: the next welcome's dms hold it once.
  const again = reconnected(ann);
  for (const link of proxy.links) link.cut();
  await again;
  assert.deepEqual(
    ann.welcome.dms.map((dm) => dm.text),
    ['psst, once', 'and another'],
  );
  assert.equal(count(shown, 'psst, once'), 1, 'and the replay did not show it again');
});

// The client gave up on a connection while its say was still on the way: it re-joins, finds no
// such message, and sends it again; then the first frame reaches the server after all, over the
// connection the server still holds. Without a key that stored the message twice.
test('a say that reaches the server after the client sent it again is stored once', async () => {
  const { client: carl, proxy } = await proxied('key_carl', { password: 'correct horse 42', register: true });
  await carl.join('late');
  const shown = shownIn(carl, 'late');
  const bob = await observer('late_bob');
  await bob.join('late');

  let held = null;
  proxy.onClientFrame = (frame, link) => {
    if (frame.type !== 'say' || held) return false;
    held = { frame, link };
    link.cut({ keepUpstream: true });
    return true;
  };
  const { seq } = await carl.say('late', 'late but once');
  await held.link.forward(held.frame);
  const answerTo = (f) => f.id === held.frame.id;
  await until(() => held.link.fromServer.some(answerTo), 'the answer to the late copy');
  const answer = held.link.fromServer.find(answerTo);
  held.link.closeUpstream();
  assert.deepEqual({ type: answer.type, seq: answer.seq }, { type: 'ok', seq }, 'the late copy gets the first seq');

  await carl.say('late', 'after it');
  await bob.waitFor((f) => f.type === 'message' && f.text === 'after it');
  assert.equal(count(bob.frames.filter((f) => f.type === 'message'), 'late but once'), 1);
  await until(() => count(shown, 'after it') === 1, 'carl to see his next message');
  assert.equal(count(shown, 'late but once'), 1);
  assert.deepEqual(await storedTexts('late'), ['late but once', 'after it']);
});

// The client used to look for an unanswered dm in welcome's `dms` (same peer, same text) instead
// of sending it again, and took an older dm with the same words for it: the new one was never sent.
test('a dm lost with the connection is sent even when an earlier dm had the same words', async () => {
  const { client: ann, proxy } = await proxied('same_ann');
  const bob = await observer('same_bob');
  const first = await ann.dm('same_bob', 'ok');
  await bob.waitFor((f) => f.type === 'dm' && f.text === 'ok');

  let dropped = false;
  proxy.onClientFrame = (frame, link) => {
    if (frame.type !== 'dm' || dropped) return false;
    dropped = true;
    link.cut(); // lost with the connection: the server never sees it
    return true;
  };
  const second = await ann.dm('same_bob', 'ok');
  await until(() => count(bob.frames.filter((f) => f.type === 'dm'), 'ok') === 2, 'bob to get the second "ok"');
  assert.ok(second.ts > first.ts, 'resolved by its own copy, not the earlier one');
});
