// Read state for accounts and token users (app.persistent: their `welcome` carries `channels`).
// The server keeps their channel list, a read marker per channel and per conversation, and counts
// what is unread; so the badges here start from `welcome`, grow with what arrives after what the
// server counted, and shrink when the marker moves: by this page, when the reader is at the bottom
// of the open conversation (mark_read), or by another page of the same user (a `read` event). Two
// pages of one account so show the same badges. Guests count per tab, in incoming.js.

import { app, channelOf, isActive } from './app-context.js';
import { mentionsAt } from './format.js';
import { sameNick } from './parley-changes.js';
import { isNearBottom } from './scrolling.js';
import { conversation, joinChannel, renderSidebar } from './conversations.js';
import { loadConversation } from './direct.js';

// Reading to the bottom while messages stream in sends at most one mark_read per this window (the
// first at once, the newest marker at the window's end), not one per message.
const MARK_WINDOW_MS = 300;

// Fields every conversation gets (conversations.js): the marker as this page knows it (readSeq),
// the highest seq the server has confirmed or reported (serverRead), the highest one sent
// (sentRead), the newest seq the unread count already includes (countedTo), and whether the
// server's list holds it (listed).
export function readFields() {
  return { readSeq: 0, serverRead: 0, sentRead: 0, countedTo: 0, mentions: 0, markTimer: null, lastMarkAt: 0, listed: false };
}

// Every `welcome` of a persistent user: the server's figures for each listed channel and
// conversation. After a reconnect a channel joined on another page meanwhile is joined here too
// (parley.js has already dropped the ones no longer listed), and a loaded conversation that grew
// is caught up (at once when it is open).
export function takeKeptState(welcome) {
  for (const entry of welcome.channels ?? []) {
    let channel = channelOf(entry.channel);
    if (!channel) {
      joinChannel(entry.channel, { select: false });
      channel = channelOf(entry.channel);
    }
    channel.listed = true;
    applyMarks(channel, entry);
  }
  for (const entry of welcome.conversations ?? []) {
    const target = conversation('dm', entry.with);
    applyMarks(target, entry);
    if (target.loaded && entry.last_seq > (target.view.newestSeq ?? 0)) {
      target.stale = true;
      if (isActive(target)) loadConversation(target, renderSidebar);
    }
  }
  renderSidebar();
}

// The figures of one `welcome.channels` or `welcome.conversations` entry, which replace ours.
// A marker this page had moved further (its mark_read lost with the connection) is sent again.
export function applyMarks(target, entry) {
  const localRead = target.readSeq;
  target.readSeq = target.serverRead = target.sentRead = entry.read_seq ?? 0;
  target.countedTo = entry.last_seq ?? 0;
  target.unread = entry.unread ?? 0;
  target.mentions = target.kind === 'dm' ? target.unread : (entry.mentions ?? 0);
  settle(target);
  if (localRead > target.readSeq) {
    moveMarker(target, localRead);
    scheduleSend(target);
  }
}

// A channel joined from this page (not from welcome's list): the server set its marker at the
// channel's newest seq, so its history is not unread.
export function startMarks(target, newestSeq) {
  const seq = newestSeq ?? 0;
  target.readSeq = target.serverRead = target.sentRead = target.countedTo = seq;
  target.unread = target.mentions = 0;
  settle(target);
}

// A message (live, or from a history or catch-up page) now shown. Counts it when it is someone
// else's, after the marker, and newer than what the count includes. Returns whether it counted.
export function countArrival(target, message) {
  if (message.seq === undefined || message.deleted || message.seq <= target.countedTo) return false;
  if (message.type !== undefined && message.type !== 'message' && message.type !== 'dm') return false;
  target.countedTo = message.seq;
  if (sameNick(message.from, app.me) || message.seq <= target.readSeq) return false;
  target.unread += 1;
  if (target.kind === 'dm' || mentionsAt(message.text, app.me)) target.mentions += 1;
  settle(target);
  return true;
}

// Once every message after the marker is shown, the count is taken from them: exact even when
// the marker moved (on another page) before they were loaded here.
export function recountShown(target) {
  if (!target.view.showsAllAfter(target.readSeq)) return;
  const after = target.view.tally(target.readSeq, Infinity, app.me);
  target.unread = after.messages;
  target.mentions = target.kind === 'dm' ? after.messages : after.mentioning;
  settle(target);
}

// The newest seq this page has shown of a conversation: what a mark_read may name.
function newestSeen(target) {
  if (target.kind === 'channel') return target.joined ? (app.client?.lastSeq(target.name) ?? 0) : 0;
  return target.loaded ? (target.view.newestSeq ?? 0) : 0;
}

// Moves the marker this page knows to `seq` and recounts. Returns whether it moved.
function moveMarker(target, seq) {
  if (seq <= target.readSeq) return false;
  const old = target.readSeq;
  target.readSeq = seq;
  const { view } = target;
  if (seq >= Math.max(target.countedTo, newestSeen(target))) {
    target.unread = 0;
    target.mentions = 0;
  } else {
    const after = view.tally(seq, Infinity, app.me);
    if (view.showsAllAfter(seq)) {
      target.unread = after.messages;
      target.mentions = target.kind === 'dm' ? after.messages : after.mentioning;
    } else {
      // Part of what is unread is not loaded here: take off what we know was read.
      const read = view.tally(old, seq, app.me);
      target.unread = Math.max(after.messages, target.unread - read.messages);
      target.mentions = Math.max(target.kind === 'dm' ? after.messages : after.mentioning, target.mentions - read.mentioning);
    }
  }
  settle(target);
  return true;
}

// A DM badge is always the accent one; a channel's when it holds a mention of us.
function settle(target) {
  target.mentioned = target.unread > 0 && (target.kind === 'dm' || target.mentions > 0);
}

// The reader sees the bottom of this conversation: the open one, on a visible page, scrolled down.
export function isReading(target) {
  return Boolean(target) && isActive(target) && !document.hidden && !target.gone && isNearBottom();
}

// Called whenever what the reader sees may have reached the newest message: marks it read here
// at once and tells the server shortly after. Returns whether the badge changed.
export function markIfReading(target) {
  if (!app.persistent || !isReading(target)) return false;
  const newest = newestSeen(target);
  if (newest <= target.readSeq) return false;
  moveMarker(target, newest);
  scheduleSend(target);
  return true;
}

function scheduleSend(target) {
  if (target.markTimer) return; // the window's end sends the newest marker
  const waitMs = target.lastMarkAt + MARK_WINDOW_MS - Date.now();
  if (waitMs <= 0) {
    target.lastMarkAt = Date.now();
    sendMark(target);
    return;
  }
  target.markTimer = setTimeout(() => {
    target.markTimer = null;
    target.lastMarkAt = Date.now();
    sendMark(target);
  }, waitMs);
}

// A page closed (or reloaded) right after reading still tells the server.
addEventListener('pagehide', () => {
  for (const target of app.conversations.values()) {
    if (!target.markTimer) continue;
    clearTimeout(target.markTimer);
    target.markTimer = null;
    sendMark(target);
  }
});

// Never a seq at or below what the server has or was sent; a send lost with the connection is
// repeated after the next welcome (applyMarks).
function sendMark(target) {
  const seq = target.readSeq;
  const client = app.client;
  if (!client || seq <= Math.max(target.serverRead, target.sentRead)) return;
  if (target.kind === 'channel' && (target.gone || !target.joined)) return;
  target.sentRead = seq;
  const place = target.kind === 'channel' ? { channel: target.name } : { with: target.name };
  client.markRead(place, seq).then(
    () => {
      target.serverRead = Math.max(target.serverRead, seq);
    },
    () => {
      // Offline, or the channel is no longer ours: the next welcome has the server's marker.
      target.sentRead = target.serverRead;
    },
  );
}

// A `read` event: the marker moved (on this page or another of the same user).
export function onRead(frame, render) {
  const target = frame.channel !== undefined ? channelOf(frame.channel) : findDm(frame.with);
  if (!target || typeof frame.seq !== 'number') return;
  target.serverRead = Math.max(target.serverRead, frame.seq);
  target.sentRead = Math.max(target.sentRead, frame.seq);
  if (moveMarker(target, frame.seq)) render();
}

export function findDm(nick) {
  for (const target of app.conversations.values()) {
    if (target.kind === 'dm' && sameNick(target.name, nick ?? '')) return target;
  }
  return null;
}
