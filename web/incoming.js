// What the server sends, shown: a channel's `joined` reply, messages and direct messages, changes
// to messages (edited, deleted, reactions), people coming and going, who is typing. The events of
// channel authority are in authority.js.

import { $, app, channelOf, isActive, ui } from './app-context.js';
import { describeError, typingSentence } from './format.js';
import { conversation, refreshChannel, removeConversation, renderSidebar } from './conversations.js';
import { renderMembers } from './members.js';
import { fillViewport, isNearBottom, scrollToBottom } from './scrolling.js';
import { onInvited, onKicked, onRefusedRejoin, onRole, onTopic } from './authority.js';
import { composerMode, endComposerMode } from './message-actions.js';
import { countArrival, markIfReading, onRead, recountShown, startMarks } from './read-state.js';
import { noteDelivery, seenNow } from './direct.js';

const TYPING_SHOWN_MS = 5000;

// Everything a new client reports, shown; `welcome` and the sign-in are session.js's.
export function listenTo(client) {
  client.on('state', (detail) => {
    if (app.welcomedOnce) ui.banner.show(detail);
    if (detail.state !== 'open') clearTyping(); // nobody's typing reaches us while offline
  });
  client.on('joined', onJoined);
  client.on('message', onMessage);
  for (const type of ['edited', 'deleted', 'reaction']) client.on(type, onChange);
  client.on('presence', onPresence);
  client.on('typing', onTyping);
  client.on('dm', onDm);
  client.on('topic', onTopic);
  client.on('role', onRole);
  client.on('invited', onInvited);
  client.on('kicked', onKicked);
  client.on('read', (frame) => onRead(frame, renderSidebar));
  // An account's channel left on another page (or lost while away): gone from this one too.
  client.on('unlisted', ({ channel: name }) => {
    const channel = channelOf(name);
    if (!channel) return;
    removeConversation(channel.key);
    ui.notices.show(`You are no longer in #${name} (left on another device, or removed).`, 'info');
  });
  client.on('error', (err) => {
    if (!app.welcomedOnce) return; // the sign-in form shows those
    if (err.code === 'nick_taken') {
      // Only on a reconnect, where parley.js keeps trying: the server still holds our old
      // connection and lets go of it once it notices that connection is dead.
      ui.notices.show('Reconnecting: waiting for the server to release your nickname…', 'info');
      return;
    }
    // `typing` has no id and no reply, but a muted member's is refused: the refused `say`
    // already tells them, next to the message.
    if (err.code === 'muted' && err.frame?.id === undefined) return;
    // A channel refused on a re-join (we were banned, or dropped from a private one, while away).
    if (err.channel && onRefusedRejoin(err)) return;
    ui.notices.show(describeError(err, { limits: app.limits, nick: app.me, channel: err.channel, action: 'join' }));
  });
}

function onJoined(joined) {
  const channel = channelOf(joined.channel);
  if (!channel) return;
  const { view } = channel;
  channel.joined = true;
  channel.gone = null;
  channel.topic = joined.topic ?? '';
  channel.isPrivate = Boolean(joined.private);
  channel.role = joined.role ?? 'member';
  // Who holds a role there, and whether we may write: as of this join (a rejoin refreshes them).
  channel.registered = Boolean(joined.registered);
  channel.roles = new Map(Object.entries(joined.roles ?? {}).map(([key, role]) => [key.toLowerCase(), role]));
  channel.muted = Boolean(joined.muted);
  if (joined.rejoin && joined.gap) view.resetAfterGap();
  const atBottom = isActive(channel) && isNearBottom();
  // A re-join's history mixes messages and the changes made while we were away, in seq order.
  const added = view.append(joined.history);
  if (!joined.rejoin && (joined.history.length === 0 || joined.history[0].seq <= 1)) view.markStart();
  if (app.persistent) {
    // Joined from this page, not listed by welcome: its history is not unread (the server set the
    // marker at the newest seq). Listed: what the server did not count yet is counted now.
    if (!joined.rejoin && !channel.listed) startMarks(channel, app.client.lastSeq(channel.name));
    else {
      for (const message of joined.history) countArrival(channel, message);
      recountShown(channel);
    }
    channel.listed = true;
  } else if (joined.rejoin && !isActive(channel)) channel.unread += added;

  channel.memberCount = joined.member_count ?? null;
  channel.members = joined.members ? new Set(joined.members) : null;
  refreshChannel(channel);
  if (isActive(channel)) {
    if (atBottom || !joined.rejoin) scrollToBottom();
    fillViewport(channel);
    if (markIfReading(channel)) renderSidebar();
  }
}

function onMessage(message) {
  const channel = channelOf(message.channel);
  if (!channel) return;
  channel.typing.delete(message.from);
  deliver(channel, message, (entry) => entry.seq === message.seq || (entry.seq === null && entry.text === message.text));
  if (isActive(channel)) renderTyping();
}

// An edit, deletion or reaction: the message shows its new state (if it is loaded at all; a page
// loaded later is in its current state). parley.js never passes the same event twice, and
// applying one again would change nothing anyway.
function onChange(event) {
  const channel = channelOf(event.channel);
  if (!channel) return;
  const followBottom = isActive(channel) && isNearBottom();
  channel.view.applyChange(event);
  if (followBottom) scrollToBottom();
  const mode = composerMode();
  if (event.type === 'deleted' && mode?.key === channel.key && mode.seq === event.target) {
    endComposerMode();
    const whose = mode.kind === 'edit' ? 'The message you were editing' : 'The message you were replying to';
    ui.notices.show(`${whose} was deleted.`, 'info');
  }
}

function onDm(dm) {
  const peer = dm.from === app.me ? dm.to : dm.from;
  const chat = conversation('dm', peer);
  const own = dm.from === app.me;
  // DMs replayed by the very first welcome are old news, not unread.
  const quiet = own || (dm.fromHistory && !app.replayIsNews);
  deliver(chat, dm, (entry) => entry.text === dm.text, { quiet });
  if (own) noteDelivery(chat, dm);
  else seenNow(dm.from);
  if (!isActive(chat)) renderSidebar();
}

// Shows a message in its conversation, replacing our own "sending…" copy of it when there is one.
function deliver(target, message, matchesPending, { quiet = false } = {}) {
  const followBottom = isActive(target) && isNearBottom();
  if (message.from === app.me) {
    const index = target.pending.findIndex(matchesPending);
    if (index !== -1) target.pending.splice(index, 1)[0].element.remove();
  }
  const added = target.view.append([message]);
  if (!added) return;
  if (isActive(target)) {
    if (followBottom || message.from === app.me) scrollToBottom();
    else $('jump-latest').hidden = false;
  }
  if (app.persistent) {
    // Counted against the server's marker; read at once when the reader is at the bottom.
    const counted = countArrival(target, message);
    if (markIfReading(target) || counted) renderSidebar();
    return;
  }
  if ((!isActive(target) || document.hidden) && !quiet && message.from !== app.me) {
    target.unread += 1;
    const repliesToMe = message.reply_to !== undefined && target.view.states.get(message.reply_to)?.from === app.me;
    if (target.kind === 'dm' || repliesToMe || target.view.list.lastElementChild?.classList.contains('mentions-me')) {
      target.mentioned = true;
    }
    renderSidebar();
  }
}

// A line in a channel's view (a topic change, a role given, someone removed), kept in view when
// the reader was following the bottom.
export function addChannelNote(channel, text, kind = 'note') {
  const followBottom = isActive(channel) && isNearBottom();
  const note = channel.view.addNote(text, kind);
  if (followBottom) scrollToBottom();
  return note;
}

function onPresence(presence) {
  const channel = channelOf(presence.channel);
  if (!channel) return;
  // A batched frame can name people we already count (e.g. ourselves, or someone listed in our
  // `joined` reply a moment ago), so only real changes to the list are applied and announced.
  // Someone both left and joined within one window (a reconnect) is, in the end, here.
  const known = channel.members;
  const rejoined = new Set((presence.joined ?? []).filter((nick) => presence.left?.includes(nick)));
  const joinedNicks = (presence.joined ?? []).filter((nick) => nick !== app.me && !known?.has(nick));
  const leftNicks = (presence.left ?? []).filter(
    (nick) => nick !== app.me && !rejoined.has(nick) && (!known || known.has(nick)),
  );
  for (const nick of joinedNicks) known?.add(nick);
  for (const nick of presence.joined ?? []) seenNow(nick);
  for (const nick of leftNicks) {
    known?.delete(nick);
    channel.typing.delete(nick);
  }
  if (known) channel.memberCount = known.size;
  else if (channel.memberCount !== null) {
    channel.memberCount = Math.max(1, channel.memberCount + joinedNicks.length - leftNicks.length);
  }
  // Join/leave lines help in a small room and drown a big one.
  if (known && known.size <= 50) {
    if (joinedNicks.length) addChannelNote(channel, `${listOfNicks(joinedNicks)} joined`, 'presence');
    if (leftNicks.length) addChannelNote(channel, `${listOfNicks(leftNicks)} left`, 'presence');
  }
  if (isActive(channel)) {
    renderMembers();
    renderTyping();
  }
}

function listOfNicks(nicks) {
  return nicks.length <= 3 ? nicks.join(', ') : `${nicks.slice(0, 3).join(', ')} and ${nicks.length - 3} more`;
}

function onTyping({ channel: name, nick }) {
  const channel = channelOf(name);
  if (!channel || nick === app.me) return;
  channel.typing.set(nick, Date.now() + TYPING_SHOWN_MS);
  if (isActive(channel)) renderTyping();
  setTimeout(() => isActive(channel) && renderTyping(), TYPING_SHOWN_MS + 50);
}

export function clearTyping() {
  for (const target of app.conversations.values()) target.typing.clear();
  renderTyping();
}

export function renderTyping() {
  const current = app.conversations.get(app.activeKey);
  const now = Date.now();
  const nicks = [];
  for (const [nick, until] of current?.typing ?? []) {
    if (until > now) nicks.push(nick);
    else current.typing.delete(nick);
  }
  $('typing').textContent = typingSentence(nicks);
}

