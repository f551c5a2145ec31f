// The Parley web app: wires parley.js (the protocol) to the page. Conversations are channels
// ("c:name") and direct messages ("d:nick"); each has its own MessageView.

import { ParleyClient } from './parley.js';
import { CHANNEL_PATTERN, NICK_PATTERN, describeError, typingSentence } from './format.js';
import { MessageView, nickHue } from './message-view.js';
import { Composer } from './composer.js';
import { ConnectionBanner, Notices } from './status.js';

const $ = (id) => document.getElementById(id);
const HISTORY_PAGE = 50;
const TYPING_SHOWN_MS = 5000;
// Within this distance of the bottom we follow new messages; further up the reader is busy.
const STICKY_BOTTOM_PX = 80;
// Start fetching the older page a little before the reader hits the very top.
const LOAD_OLDER_AT_PX = 150;

const storage = {
  get(key, fallback) {
    try {
      const value = localStorage.getItem(`parley.${key}`);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback; // private mode or a mangled value: start fresh rather than fail
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`parley.${key}`, JSON.stringify(value));
    } catch {
      // Storage full or disabled: remembering is a convenience, not a requirement.
    }
  },
};

const app = {
  client: null,
  me: null,
  limits: null,
  welcomedOnce: false,
  replayIsNews: false, // DMs repeated by a welcome after a reconnect were missed, so unread
  conversations: new Map(),
  activeKey: null,
};

const scroller = $('messages');
const notices = new Notices($('notices'));
const banner = new ConnectionBanner($('banner'), {
  onRetry: () => (app.client?.state === 'closed' ? restart() : app.client?.reconnectNow()),
});
const composer = new Composer({
  form: $('composer'),
  input: $('composer-input'),
  counter: $('char-count'),
  onSend: sendFromComposer,
  onTyping: () => {
    const conversation = active();
    if (conversation?.kind === 'channel') app.client.typing(conversation.name);
  },
});

// ---- login ----------------------------------------------------------------------------------

function showLogin(error) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-button').disabled = false;
  $('login-button').textContent = 'Start chatting';
  $('login-error').hidden = !error;
  $('login-error').textContent = error ?? '';
  $('nick-input').focus();
  $('nick-input').select();
}

// A server with auth wants a token per nick. It can come in the page link (?token=…), which we
// move to localStorage and strip from the address bar so it is not left in history or shared.
function takeTokenFromLink() {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (!token) return;
  storage.set('token', token);
  params.delete('token');
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

function currentToken() {
  const typed = $('token-input').value.trim();
  return typed || storage.get('token', null) || undefined;
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const typedToken = $('token-input').value.trim();
  if (typedToken) storage.set('token', typedToken);
  const nick = $('nick-input').value.trim();
  if (!NICK_PATTERN.test(nick)) {
    showLogin(describeError({ code: 'nick_invalid' }));
    return;
  }
  start(nick);
});

// After a reload the server may not have noticed yet that our previous tab is gone, so a
// remembered nick that is "taken" is retried for a few seconds before we ask for another.
const RELOAD_NICK_RETRIES = 6;

async function start(nick, { remembered = false, attempt = 1 } = {}) {
  $('login-button').disabled = true;
  $('login-button').textContent = 'Connecting…';
  $('login-error').hidden = true;
  // A guest's stay survives a reload: the resume id its last welcome gave it comes back with it.
  const resumeKey = `parley.resume.${nick.toLowerCase()}`;
  const client = new ParleyClient({
    nick,
    token: currentToken(),
    resume: localStorage.getItem(resumeKey) ?? undefined,
  });
  client.on('welcome', (welcome) => {
    if (welcome.resume) localStorage.setItem(resumeKey, welcome.resume);
  });
  app.client = client;
  client.on('state', (detail) => {
    if (app.welcomedOnce) banner.show(detail);
    if (detail.state !== 'open') clearTyping(); // nobody's typing reaches us while offline
  });
  client.on('welcome', onWelcome);
  client.on('joined', onJoined);
  client.on('message', onMessage);
  client.on('presence', onPresence);
  client.on('typing', onTyping);
  client.on('dm', onDm);
  client.on('error', (err) => {
    if (!app.welcomedOnce) return; // the sign-in form shows those
    if (err.code === 'nick_taken') {
      // Only on a reconnect, where parley.js keeps trying: the server still holds our old
      // connection and lets go of it once it notices that connection is dead.
      notices.show('Reconnecting: waiting for the server to release your nickname…', 'info');
      return;
    }
    notices.show(describeError(err, { limits: app.limits, nick: app.me }));
  });
  // A first connection that cannot be made at all (server down) keeps retrying in parley.js;
  // the login button says so instead of spinning silently.
  const offState = client.on('state', ({ state }) => {
    if (state === 'reconnecting' && !app.welcomedOnce) {
      $('login-button').textContent = 'Server unreachable, retrying…';
    }
  });
  try {
    await client.connect();
  } catch (err) {
    client.close();
    if (app.client === client) app.client = null;
    if (remembered && err.code === 'nick_taken' && attempt < RELOAD_NICK_RETRIES) {
      setTimeout(() => start(nick, { remembered, attempt: attempt + 1 }), 400 * attempt);
      return;
    }
    if (err.code === 'unauthorized') {
      $('token-field').hidden = false;
      storage.set('token', null); // the stored one did not work; do not offer it again
    }
    showLogin(describeError(err, { nick }));
    if (err.code === 'unauthorized') $('token-input').focus();
    return;
  } finally {
    offState();
  }
}

function restart() {
  const nick = app.me;
  app.client?.close();
  resetConversations();
  start(nick);
}

function resetConversations() {
  app.conversations.clear();
  app.activeKey = null;
  app.welcomedOnce = false;
  scroller.querySelector('.message-list')?.remove();
}

$('change-nick').addEventListener('click', () => {
  app.client?.close();
  app.client = null;
  resetConversations();
  storage.set('nick', null);
  banner.show({ state: 'open' });
  showLogin();
});

function onWelcome(welcome) {
  app.me = welcome.nick;
  app.limits = welcome.limits ?? null;
  composer.setLimit(app.limits?.max_text_chars);
  app.replayIsNews = welcome.reconnected;
  if (welcome.reconnected) return;

  app.welcomedOnce = true;
  storage.set('nick', app.me);
  $('me-nick').textContent = app.me;
  $('login').hidden = true;
  $('app').hidden = false;

  const wanted = storage.get(`channels.${app.me}`, ['general']);
  const fromLink = channelFromHash();
  if (fromLink && !wanted.includes(fromLink)) wanted.push(fromLink);
  for (const name of wanted) joinChannel(name, { select: false });
  const remembered = storage.get(`active.${app.me}`, null);
  // A dm conversation comes back with welcome's replay, just after this; open it now.
  if (!fromLink && remembered?.startsWith('d:')) conversation('dm', remembered.slice(2));
  const first = fromLink ? `c:${fromLink}` : remembered;
  select(app.conversations.has(first) ? first : `c:${wanted[0] ?? 'general'}`);
  composer.focus();
}

function channelFromHash() {
  const name = decodeURIComponent(location.hash.slice(1));
  return CHANNEL_PATTERN.test(name) ? name : null;
}

// ---- conversations --------------------------------------------------------------------------

function conversation(kind, name) {
  const key = `${kind === 'channel' ? 'c' : 'd'}:${name}`;
  let found = app.conversations.get(key);
  if (!found) {
    const title = kind === 'channel' ? `#${name}` : `your conversation with ${name}`;
    found = {
      key,
      kind,
      name,
      view: new MessageView({ me: app.me, title }),
      unread: 0,
      mentioned: false,
      members: null,
      memberCount: null,
      typing: new Map(),
      pending: [],
      loadingOlder: false,
      joined: false,
    };
    app.conversations.set(key, found);
    if (kind === 'dm') found.view.markStart();
  }
  return found;
}

function active() {
  return app.conversations.get(app.activeKey) ?? null;
}

function select(key) {
  const next = app.conversations.get(key);
  if (!next) return;
  const previous = active();
  if (previous) previous.view.scrollTop = scroller.scrollTop;
  app.activeKey = key;
  const hadUnread = next.unread > 0;
  next.unread = 0;
  next.mentioned = false;
  storage.set(`active.${app.me}`, key);
  history.replaceState(null, '', next.kind === 'channel' ? `#${next.name}` : location.pathname);

  scroller.querySelector('.message-list')?.remove();
  scroller.append(next.view.list);
  if (next.view.scrollTop === null || hadUnread) scrollToBottom();
  else scroller.scrollTop = next.view.scrollTop;
  $('jump-latest').hidden = true;

  $('conv-title').textContent = next.kind === 'channel' ? `#${next.name}` : `@${next.name}`;
  $('leave-conv').textContent = next.kind === 'channel' ? 'Leave' : 'Close';
  $('leave-conv').setAttribute(
    'aria-label',
    next.kind === 'channel' ? `Leave #${next.name}` : `Close conversation with ${next.name}`,
  );
  composer.setPlaceholder(next.kind === 'channel' ? `Message #${next.name}` : `Message ${next.name}`);
  document.body.classList.toggle('in-dm', next.kind === 'dm');
  renderSidebar();
  renderMembers();
  renderTyping();
  closeDrawers();
  fillViewport(next);
}

function joinChannel(name, { select: andSelect = true } = {}) {
  const existing = app.conversations.get(`c:${name}`);
  if (existing) {
    if (andSelect) select(existing.key);
    return;
  }
  const created = conversation('channel', name);
  saveChannels();
  renderSidebar();
  if (andSelect) select(created.key);
  app.client.join(name).catch((err) => {
    if (err.code === 'closed') return;
    notices.show(describeError(err, { channel: name, limits: app.limits }));
    removeConversation(created.key);
  });
}

function removeConversation(key) {
  app.conversations.delete(key);
  saveChannels();
  if (app.activeKey === key) {
    app.activeKey = null;
    scroller.querySelector('.message-list')?.remove();
    const next = app.conversations.keys().next().value;
    if (next) select(next);
    else {
      $('conv-title').textContent = 'No conversation';
      renderSidebar();
      renderMembers();
    }
  } else {
    renderSidebar();
  }
}

function saveChannels() {
  const channels = [...app.conversations.values()].filter((c) => c.kind === 'channel').map((c) => c.name);
  storage.set(`channels.${app.me}`, channels);
}

$('leave-conv').addEventListener('click', () => {
  const current = active();
  if (!current) return;
  if (current.kind === 'channel') {
    app.client.leave(current.name).catch((err) => notices.show(describeError(err, { channel: current.name })));
  }
  removeConversation(current.key);
});

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('join-input').value.trim().replace(/^#/, '');
  if (!CHANNEL_PATTERN.test(name)) {
    notices.show(describeError({ code: 'channel_invalid' }));
    return;
  }
  $('join-input').value = '';
  joinChannel(name);
  composer.focus();
});

$('dm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = $('dm-input').value.trim().replace(/^@/, '');
  if (!NICK_PATTERN.test(nick)) {
    notices.show(describeError({ code: 'nick_invalid' }));
    return;
  }
  $('dm-input').value = '';
  openDm(nick);
});

function openDm(nick) {
  if (nick === app.me) return;
  select(conversation('dm', nick).key);
  composer.focus();
}

// ---- incoming -------------------------------------------------------------------------------

function onJoined(joined) {
  const channel = app.conversations.get(`c:${joined.channel}`);
  if (!channel) return;
  const { view } = channel;
  channel.joined = true;
  if (joined.rejoin && joined.gap) view.resetAfterGap();
  const atBottom = isActive(channel) && isNearBottom();
  const added = view.append(joined.history);
  if (!joined.rejoin && (joined.history.length === 0 || joined.history[0].seq <= 1)) view.markStart();
  if (joined.rejoin && !isActive(channel)) channel.unread += added;

  channel.memberCount = joined.member_count ?? null;
  channel.members = joined.members ? new Set(joined.members) : null;
  if (isActive(channel)) {
    renderMembers();
    if (atBottom || !joined.rejoin) scrollToBottom();
    fillViewport(channel);
  }
  renderSidebar();
}

function onMessage(message) {
  const channel = app.conversations.get(`c:${message.channel}`);
  if (!channel) return;
  channel.typing.delete(message.from);
  deliver(channel, message, (entry) => entry.seq === message.seq || (entry.seq === null && entry.text === message.text));
  if (isActive(channel)) renderTyping();
}

function onDm(dm) {
  const peer = dm.from === app.me ? dm.to : dm.from;
  const chat = conversation('dm', peer);
  const own = dm.from === app.me;
  // DMs replayed by the very first welcome are old news, not unread.
  const quiet = own || (dm.fromHistory && !app.replayIsNews);
  deliver(chat, dm, (entry) => entry.text === dm.text, { quiet });
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
  if ((!isActive(target) || document.hidden) && !quiet && message.from !== app.me) {
    target.unread += 1;
    if (target.kind === 'dm' || target.view.list.lastElementChild?.classList.contains('mentions-me')) {
      target.mentioned = true;
    }
    renderSidebar();
  }
}

function onPresence(presence) {
  const channel = app.conversations.get(`c:${presence.channel}`);
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
    const followBottom = isActive(channel) && isNearBottom();
    if (joinedNicks.length) channel.view.addNote(`${listOfNicks(joinedNicks)} joined`, 'presence');
    if (leftNicks.length) channel.view.addNote(`${listOfNicks(leftNicks)} left`, 'presence');
    if (followBottom) scrollToBottom();
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
  const channel = app.conversations.get(`c:${name}`);
  if (!channel || nick === app.me) return;
  channel.typing.set(nick, Date.now() + TYPING_SHOWN_MS);
  if (isActive(channel)) renderTyping();
  setTimeout(() => isActive(channel) && renderTyping(), TYPING_SHOWN_MS + 50);
}

// ---- sending --------------------------------------------------------------------------------

function sendFromComposer(text) {
  const target = active();
  if (!target) return false;
  const max = app.limits?.max_text_chars;
  const length = [...text].length;
  if (max && length > max) {
    notices.show(describeError({ code: 'text_invalid', limit: max, length }));
    return false;
  }
  send(target, text);
  return true;
}

function send(target, text) {
  const element = target.view.addPending(text);
  if (app.client.state !== 'open') element.querySelector('.send-status').textContent = 'will send when back online';
  const entry = { element, text, seq: null };
  target.pending.push(entry);
  if (isActive(target)) scrollToBottom();
  const sending = target.kind === 'channel' ? app.client.say(target.name, text) : app.client.dm(target.name, text);
  sending.then(
    (reply) => {
      if (reply?.seq === undefined) return;
      // The message itself may already be shown (it can arrive before the ack): then the
      // pending copy is gone; otherwise keep it until that seq arrives.
      entry.seq = reply.seq;
      if (target.view.seen.has(`seq:${reply.seq}`)) {
        const index = target.pending.indexOf(entry);
        if (index !== -1) target.pending.splice(index, 1);
        element.remove();
      }
    },
    (err) => markFailed(target, entry, err),
  );
}

function markFailed(target, entry, err) {
  const index = target.pending.indexOf(entry);
  if (index !== -1) target.pending.splice(index, 1);
  const reason = describeError(err, {
    limits: app.limits,
    channel: target.kind === 'channel' ? target.name : undefined,
    to: target.kind === 'dm' ? target.name : undefined,
  });
  const { element } = entry;
  element.classList.remove('pending');
  element.classList.add('failed');
  const status = element.querySelector('.send-status');
  status.textContent = `not sent: ${reason}`;
  const retry = document.createElement('button');
  retry.type = 'button';
  retry.className = 'link-button';
  retry.textContent = 'Retry';
  retry.addEventListener('click', () => {
    element.remove();
    send(target, entry.text);
  });
  const discard = document.createElement('button');
  discard.type = 'button';
  discard.className = 'link-button';
  discard.textContent = 'Discard';
  discard.addEventListener('click', () => element.remove());
  status.after(retry, discard);
  if (isActive(target)) notices.show(reason);
}

// ---- scrolling and older pages --------------------------------------------------------------

function isActive(target) {
  return app.activeKey === target.key;
}

function isNearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_BOTTOM_PX;
}

function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  $('jump-latest').hidden = true;
}

$('jump-latest').addEventListener('click', () => {
  scrollToBottom();
  composer.focus();
});

scroller.addEventListener('scroll', () => {
  if (isNearBottom()) $('jump-latest').hidden = true;
  const current = active();
  if (current && scroller.scrollTop < LOAD_OLDER_AT_PX) loadOlder(current);
});

async function loadOlder(target) {
  const { view } = target;
  if (target.kind !== 'channel' || !target.joined || target.loadingOlder || view.reachedStart) return;
  if (view.oldestSeq === null) return;
  target.loadingOlder = true;
  if (isActive(target)) $('history-status').hidden = false;
  try {
    const page = await app.client.history(target.name, { before: view.oldestSeq, limit: HISTORY_PAGE });
    // Keep what the reader is looking at in place while the page grows above it.
    const heightBefore = scroller.scrollHeight;
    const topBefore = scroller.scrollTop;
    view.prepend(page);
    if (page.length === 0 || page[0].seq <= 1) view.markStart();
    if (isActive(target)) scroller.scrollTop = topBefore + (scroller.scrollHeight - heightBefore);
  } catch (err) {
    if (err.code === 'no_such_channel') view.markStart();
    else if (err.code !== 'disconnected' && err.code !== 'closed') notices.show(describeError(err, { channel: target.name }));
  } finally {
    target.loadingOlder = false;
    $('history-status').hidden = true;
  }
  if (isActive(target)) fillViewport(target);
}

// When the shown messages do not fill the screen there is nothing to scroll, so fetch more now.
function fillViewport(target) {
  if (isActive(target) && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_AT_PX) {
    loadOlder(target);
  }
}

// ---- rendering: sidebar, members, typing ----------------------------------------------------

function renderSidebar() {
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
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'conv';
  button.dataset.key = target.key;
  if (isActive(target)) button.setAttribute('aria-current', 'page');
  if (target.unread) button.classList.add('has-unread');
  const prefix = document.createElement('span');
  prefix.className = 'conv-prefix';
  prefix.textContent = target.kind === 'channel' ? '#' : '@';
  const name = document.createElement('span');
  name.className = 'conv-name';
  name.textContent = target.name;
  button.append(prefix, name);
  if (target.unread) {
    const badge = document.createElement('span');
    badge.className = target.mentioned ? 'badge mention' : 'badge';
    badge.textContent = target.unread > 99 ? '99+' : String(target.unread);
    badge.setAttribute('aria-label', `${target.unread} unread`);
    button.append(badge);
  }
  button.addEventListener('click', () => {
    select(target.key);
    composer.focus();
  });
  item.append(button);
  return item;
}

function renderMembers() {
  const current = active();
  const list = $('member-list');
  const isChannel = current?.kind === 'channel';
  $('toggle-members').hidden = !isChannel;
  if (!isChannel) {
    $('conv-subtitle').textContent = current ? 'Direct message' : '';
    list.replaceChildren();
    $('member-count').textContent = '';
    $('members-hidden').hidden = true;
    return;
  }
  const count = current.memberCount ?? current.members?.size ?? 0;
  $('conv-subtitle').textContent = count === 1 ? '1 member' : `${count} members`;
  $('member-count').textContent = String(count);
  $('toggle-members').textContent = `Members · ${count}`;
  $('members-hidden').hidden = current.members !== null;
  const nicks = [...(current.members ?? [])].sort((a, b) =>
    a === app.me ? -1 : b === app.me ? 1 : a.localeCompare(b, undefined, { sensitivity: 'base' }),
  );
  list.replaceChildren(
    ...nicks.map((nick) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'member';
      button.style.setProperty('--hue', String(nickHue(nick)));
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.setAttribute('aria-hidden', 'true');
      avatar.textContent = nick.charAt(0).toUpperCase();
      const name = document.createElement('span');
      name.className = 'member-name';
      name.textContent = nick === app.me ? `${nick} (you)` : nick;
      button.append(avatar, name);
      if (nick === app.me) button.disabled = true;
      else {
        button.title = `Message ${nick}`;
        button.addEventListener('click', () => openDm(nick));
      }
      item.append(button);
      return item;
    }),
  );
}

function clearTyping() {
  for (const target of app.conversations.values()) target.typing.clear();
  renderTyping();
}

function renderTyping() {
  const current = active();
  const now = Date.now();
  const nicks = [];
  for (const [nick, until] of current?.typing ?? []) {
    if (until > now) nicks.push(nick);
    else current.typing.delete(nick);
  }
  $('typing').textContent = typingSentence(nicks);
}

// ---- layout: drawers on narrow screens, keyboard ---------------------------------------------

const drawers = {
  sidebar: { panel: 'sidebar', opener: 'open-sidebar' },
  members: { panel: 'members-panel', opener: 'toggle-members' },
};

// Focus moves into an opened drawer (keyboard and screen reader users land where things
// happened) and back to the button that opened it when it closes.
function openDrawer(name) {
  document.body.classList.add(`show-${name}`);
  $('scrim').hidden = false;
  $(drawers[name].opener).setAttribute('aria-expanded', 'true');
  $(drawers[name].panel).querySelector('button:not([disabled]), input')?.focus({ preventScroll: true });
}

function closeDrawers() {
  for (const [name, { panel, opener }] of Object.entries(drawers)) {
    if (!document.body.classList.contains(`show-${name}`)) continue;
    document.body.classList.remove(`show-${name}`);
    $(opener).setAttribute('aria-expanded', 'false');
    if ($(panel).contains(document.activeElement)) $(opener).focus({ preventScroll: true });
  }
  $('scrim').hidden = true;
}

$('open-sidebar').addEventListener('click', () => openDrawer('sidebar'));
$('close-sidebar').addEventListener('click', closeDrawers);
$('close-members').addEventListener('click', closeDrawers);
$('scrim').addEventListener('click', closeDrawers);
$('toggle-members').addEventListener('click', () => {
  // Wide screens show the panel inline; narrower ones slide it over the messages.
  if (matchMedia('(min-width: 1100px)').matches) document.body.classList.toggle('hide-members');
  else openDrawer('members');
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeDrawers();
  if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
    const keys = [...app.conversations.keys()];
    const index = keys.indexOf(app.activeKey);
    const next = keys[(index + (event.key === 'ArrowUp' ? -1 : 1) + keys.length) % keys.length];
    if (next) {
      event.preventDefault();
      select(next);
      composer.focus();
    }
  }
});

// Coming back to the tab: what arrived meanwhile in the open conversation is now read.
document.addEventListener('visibilitychange', () => {
  const current = active();
  if (!document.hidden && current) {
    current.unread = 0;
    renderSidebar();
  }
});

addEventListener('hashchange', () => {
  const name = channelFromHash();
  if (name && app.welcomedOnce) joinChannel(name);
});

// ---- start ----------------------------------------------------------------------------------

takeTokenFromLink();
const rememberedNick = storage.get('nick', null);
if (rememberedNick && NICK_PATTERN.test(rememberedNick)) {
  $('nick-input').value = rememberedNick;
  start(rememberedNick, { remembered: true });
} else {
  showLogin();
}
