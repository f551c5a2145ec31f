// Conversations: channels ("c:name") and direct messages ("d:nick"), each with its own
// MessageView; which one is open; joining, leaving, and the list of them in the sidebar.

import { $, active, app, element, isActive, scroller, storage, ui } from './app-context.js';
import { CHANNEL_PATTERN, NICK_PATTERN, describeError } from './format.js';
import { MessageView } from './message-view.js';
import { renderHeader } from './header.js';
import { renderMembers } from './members.js';
import { renderTyping } from './incoming.js';
import { closeDrawers } from './layout.js';
import { fillViewport, scrollToBottom } from './scrolling.js';
import { findDm, markIfReading, readFields } from './read-state.js';
import { loadConversation } from './direct.js';

export function conversation(kind, name) {
  const key = `${kind === 'channel' ? 'c' : 'd'}:${name}`;
  // A nick is one person in any case: a dm from "Bob" belongs with the one to "bob".
  let found = app.conversations.get(key) ?? (kind === 'dm' ? findDm(name) : null);
  if (!found) {
    const title = kind === 'channel' ? `#${name}` : `your conversation with ${name}`;
    found = {
      key,
      kind,
      name,
      view: new MessageView({ me: app.me, title, kind }),
      unread: 0,
      mentioned: false,
      members: null,
      memberCount: null,
      typing: new Map(),
      pending: [],
      loadingOlder: false,
      joined: false,
      // Channel authority, from `joined` and the events after it.
      topic: '',
      isPrivate: false,
      registered: false, // has an owner (created), rather than open
      role: 'member', // ours
      roles: new Map(), // account key (nick in lower case) → 'owner' | 'op'
      muted: false, // we may read but not write there
      gone: null, // { by, reason, ban } once we were kicked or banned
      // A kept conversation (read-state.js, direct.js): loaded from the server, behind it.
      loaded: false,
      stale: false,
      loading: null,
      ...readFields(),
    };
    app.conversations.set(key, found);
    // A guest's dms exist only from this stay's start; an account's are paged from the server.
    if (kind === 'dm' && !app.persistent) found.view.markStart();
  }
  return found;
}

export function select(key) {
  const next = app.conversations.get(key);
  if (!next) return;
  const previous = active();
  if (previous) previous.view.scrollTop = scroller.scrollTop;
  app.activeKey = key;
  const hadUnread = next.unread > 0;
  // An account's badge goes when the server's marker moves (markIfReading, below).
  if (!app.persistent) {
    next.unread = 0;
    next.mentioned = false;
  }
  storage.set(`active.${app.me}`, key);
  history.replaceState(null, '', next.kind === 'channel' ? `#${next.name}` : location.pathname);

  // A reply or an edit started in the conversation we leave does not follow us.
  ui.composer.clearContext();
  scroller.querySelector('.message-list')?.remove();
  scroller.append(next.view.list);
  if (next.view.scrollTop === null || hadUnread) scrollToBottom();
  else scroller.scrollTop = next.view.scrollTop;
  $('jump-latest').hidden = true;

  document.body.classList.toggle('in-dm', next.kind === 'dm');
  renderHeader();
  renderSidebar();
  renderMembers();
  renderTyping();
  closeDrawers();
  fillViewport(next);
  if (markIfReading(next)) renderSidebar();
  if (next.kind === 'dm') loadConversation(next, renderSidebar);
}

export function joinChannel(name, { select: andSelect = true } = {}) {
  const existing = app.conversations.get(`c:${name}`);
  if (existing) {
    if (existing.gone) rejoin(existing);
    if (andSelect) select(existing.key);
    return;
  }
  const created = conversation('channel', name);
  saveChannels();
  renderSidebar();
  if (andSelect) select(created.key);
  app.client.join(name).catch((err) => {
    if (err.code === 'closed') return;
    ui.notices.show(describeError(err, { channel: name, limits: app.limits, action: 'join' }));
    removeConversation(created.key);
  });
}

// A channel we were kicked out of, joined again (an open one takes us back; a private one
// only with a new invitation).
function rejoin(channel) {
  const { gone } = channel;
  channel.gone = null;
  refreshChannel(channel);
  app.client.join(channel.name).catch((err) => {
    if (err.code === 'closed') return;
    ui.notices.show(describeError(err, { channel: channel.name, action: 'join' }));
    channel.gone = gone;
    refreshChannel(channel);
  });
}

// Everything that shows a channel's standing, after it changed.
export function refreshChannel(channel) {
  saveChannels();
  renderSidebar();
  if (isActive(channel)) {
    renderHeader();
    renderMembers();
  }
}

export function removeConversation(key) {
  app.conversations.delete(key);
  saveChannels();
  if (app.activeKey === key) {
    app.activeKey = null;
    scroller.querySelector('.message-list')?.remove();
    const next = app.conversations.keys().next().value;
    if (next) select(next);
    else {
      renderHeader();
      renderSidebar();
      renderMembers();
    }
  } else {
    renderSidebar();
  }
}

// Channels to join again after a reload: not those we were kicked out of.
export function saveChannels() {
  if (app.persistent) return; // the server keeps an account's list
  const channels = [...app.conversations.values()].filter((c) => c.kind === 'channel' && !c.gone);
  storage.set(
    `channels.${app.me}`,
    channels.map((c) => c.name),
  );
}

export function openDm(nick) {
  if (nick === app.me) return;
  select(conversation('dm', nick).key);
  ui.composer.focus();
}

$('leave-conv').addEventListener('click', () => {
  const current = active();
  if (!current) return;
  if (current.kind === 'channel' && !current.gone) {
    app.client.leave(current.name).catch((err) => ui.notices.show(describeError(err, { channel: current.name })));
  }
  removeConversation(current.key);
});

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('join-input').value.trim().replace(/^#/, '');
  if (!CHANNEL_PATTERN.test(name)) {
    ui.notices.show(describeError({ code: 'channel_invalid' }));
    return;
  }
  $('join-input').value = '';
  joinChannel(name);
  ui.composer.focus();
});

$('dm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = $('dm-input').value.trim().replace(/^@/, '');
  if (!NICK_PATTERN.test(nick)) {
    ui.notices.show(describeError({ code: 'nick_invalid' }));
    return;
  }
  $('dm-input').value = '';
  openDm(nick);
});

// ---- the sidebar ----------------------------------------------------------------------------

export function renderSidebar() {
  const all = [...app.conversations.values()];
  $('channel-list').replaceChildren(...all.filter((c) => c.kind === 'channel').map(sidebarItem));
  $('dm-list').replaceChildren(...all.filter((c) => c.kind === 'dm').map(sidebarItem));
  const unread = all.reduce((sum, c) => sum + c.unread, 0);
  document.title = unread ? `(${unread}) Parley` : 'Parley';
  $('total-unread').hidden = unread === 0;
  $('total-unread').textContent = String(unread);
}

function sidebarItem(target) {
  const item = document.createElement('li');
  const button = element('button', 'conv');
  button.type = 'button';
  button.dataset.key = target.key;
  if (isActive(target)) button.setAttribute('aria-current', 'page');
  if (target.unread) button.classList.add('has-unread');
  if (target.gone) button.classList.add('gone');
  button.append(
    element('span', 'conv-prefix', target.kind === 'channel' ? '#' : '@'),
    element('span', 'conv-name', target.name),
  );
  if (target.isPrivate) button.append(lockIcon());
  if (target.gone) button.append(element('span', 'conv-state', target.gone.ban ? 'banned' : 'removed'));
  if (target.unread) {
    const badge = element('span', target.mentioned ? 'badge mention' : 'badge');
    badge.textContent = target.unread > 99 ? '99+' : String(target.unread);
    badge.setAttribute('aria-label', `${target.unread} unread`);
    button.append(badge);
  }
  button.addEventListener('click', () => {
    select(target.key);
    ui.composer.focus();
  });
  item.append(button);
  return item;
}

// The padlock of private channels: a drawn shape, with words for screen readers.
export function lockIcon() {
  const lock = element('span', 'lock');
  lock.setAttribute('role', 'img');
  lock.setAttribute('aria-label', 'private');
  lock.title = 'Private channel: members and invited people only';
  return lock;
}
