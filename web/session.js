// Signing in and out: as a guest (a nickname), to an account (log in, or sign up, with a
// password), or with an access token from the server's operator.
//
// A password is never stored: logging in trades it for a token (POST /api/login), and only the
// token is kept, in localStorage with "Stay logged in" and in sessionStorage (this tab, reloads
// included) without. Signing up registers over the WebSocket and then fetches a token the same
// way. Logging out forgets the token.

import { ParleyClient, login } from './parley.js';
import { $, app, scroller, storage, tabStorage, ui } from './app-context.js';
import { NICK_PATTERN, describeError } from './format.js';
import { conversation, joinChannel, renderSidebar, select } from './conversations.js';
import { listenTo } from './incoming.js';
import { renderHeader } from './header.js';
import { renderMembers } from './members.js';
import { channelFromHash } from './layout.js';
import { takeKeptState } from './read-state.js';

// After a reload the server may not have noticed yet that our previous tab is gone, so a
// remembered guest nick that is "taken" is retried for a few seconds before we ask for another.
const RELOAD_NICK_RETRIES = 6;
// A token this close to its end is not worth connecting with: log in afresh instead.
const TOKEN_MARGIN_S = 60;

const MODES = {
  guest: { lead: 'Pick a nickname to start chatting.', button: 'Start chatting' },
  login: { lead: 'Log in to your account.', button: 'Log in' },
  signup: { lead: 'Create an account: your nickname stays yours.', button: 'Create account' },
};
let mode = 'guest';

function setMode(next) {
  mode = next;
  for (const button of document.querySelectorAll('.login-modes button')) {
    button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
  }
  $('login-lead').textContent = MODES[mode].lead;
  $('login-button').textContent = MODES[mode].button;
  $('password-field').hidden = mode === 'guest';
  $('password-input').autocomplete = mode === 'signup' ? 'new-password' : 'current-password';
  $('password-hint').hidden = mode !== 'signup';
  // An operator's token replaces a password; it belongs with the nickname-only form.
  if (mode !== 'guest') $('token-field').hidden = true;
}

for (const button of document.querySelectorAll('.login-modes button')) {
  button.addEventListener('click', () => {
    setMode(button.dataset.mode);
    $('login-error').hidden = true;
    $(mode === 'guest' || !$('nick-input').value ? 'nick-input' : 'password-input').focus();
  });
}

// `offer` adds a button to the error, e.g. "Log in instead" for a registered nick.
function showLogin(error, { offer, focus = 'nick-input' } = {}) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-button').disabled = false;
  $('login-button').textContent = MODES[mode].button;
  const box = $('login-error');
  box.hidden = !error;
  box.replaceChildren(document.createTextNode(error ?? ''));
  if (offer) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = offer.label;
    button.addEventListener('click', offer.run);
    box.append(' ', button);
  }
  $(focus).focus();
  $(focus).select();
}

function busy(text) {
  $('login-button').disabled = true;
  $('login-button').textContent = text;
  $('login-error').hidden = true;
}

// ---- tokens ---------------------------------------------------------------------------------

function savedSession() {
  const session = tabStorage.get('session', null) ?? storage.get('session', null);
  if (!session?.token || !NICK_PATTERN.test(session.nick ?? '')) return null;
  return session;
}

function keepSession({ nick, token, expires_at: expiresAt }, stay) {
  forgetSession();
  (stay ? storage : tabStorage).set('session', { nick, token, expires_at: expiresAt });
}

// After a password change the server refuses every token issued before it, ours too: trade the
// new password for a new token, kept where the old one was.
export async function renewSession(password) {
  const stay = Boolean(storage.get('session', null));
  const session = await login({ nick: app.me, password });
  keepSession(session, stay);
  app.client.useToken(session.token);
}

function forgetSession() {
  storage.set('session', null);
  tabStorage.set('session', null);
}

function expired(session) {
  return typeof session.expires_at === 'number' && session.expires_at - TOKEN_MARGIN_S < Date.now() / 1000;
}

// A server with auth may let people in with an operator's token per nick. It can come in the
// page link (?token=…), which we move to localStorage and strip from the address bar so it is
// not left in history or shared.
function takeTokenFromLink() {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (!token) return;
  storage.set('token', token);
  params.delete('token');
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

function operatorToken() {
  const typed = $('token-input').value.trim();
  return typed || storage.get('token', null) || undefined;
}

// ---- the form -------------------------------------------------------------------------------

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = $('nick-input').value.trim();
  if (!NICK_PATTERN.test(nick)) {
    showLogin(describeError({ code: 'nick_invalid' }));
    return;
  }
  if (mode === 'guest') {
    const typedToken = $('token-input').value.trim();
    if (typedToken) storage.set('token', typedToken);
    start(nick, { token: operatorToken() });
    return;
  }
  const password = $('password-input').value;
  // Gone from the page at once; only this call still holds it.
  $('password-input').value = '';
  const length = [...password].length;
  if (mode === 'signup' && (length < 8 || length > 128)) {
    showLogin(describeError({ code: 'password_invalid' }), { focus: 'password-input' });
    return;
  }
  if (!password) {
    showLogin('Type your password.', { focus: 'password-input' });
    return;
  }
  if (mode === 'login') logIn(nick, password, $('stay-input').checked);
  else signUp(nick, password, $('stay-input').checked);
});

async function logIn(nick, password, stay) {
  busy('Logging in…');
  let session;
  try {
    session = await login({ nick, password });
  } catch (err) {
    showLogin(describeError(err, { nick, action: 'login' }), { focus: 'password-input' });
    return;
  }
  keepSession(session, stay);
  start(session.nick, { token: session.token, account: true });
}

async function signUp(nick, password, stay) {
  const client = await start(nick, { password, register: true, account: true });
  if (!client) return;
  // Registered and in; a token is what a reload will use. Until it comes, a reconnect logs in
  // with the password parley.js holds in memory.
  try {
    const session = await login({ nick: app.me, password });
    keepSession(session, stay);
    client.useToken(session.token);
  } catch (err) {
    ui.notices.show(
      `Your account is ready, but staying logged in failed (${describeError(err, { action: 'login' })}) You will be asked to log in after a reload.`,
    );
  }
}

// ---- connecting -----------------------------------------------------------------------------

// Resolves with the connected client, or null when the sign-in was refused (the form says why).
async function start(nick, { token, password, register = false, account = false, remembered = false, attempt = 1 } = {}) {
  busy('Connecting…');
  // A guest's stay survives a reload: the resume id its last welcome gave it comes back with it.
  const resumeKey = `parley.resume.${nick.toLowerCase()}`;
  const client = new ParleyClient({
    nick,
    token,
    password,
    register,
    resume: account ? undefined : (readRaw(resumeKey) ?? undefined),
  });
  app.client = client;
  client.on('welcome', (welcome) => {
    if (welcome.resume) writeRaw(resumeKey, welcome.resume);
  });
  client.on('welcome', onWelcome);
  listenTo(client);
  // A kept token that stops working while we are in (it expired, or the server's key changed)
  // is refused on a reconnect: ask for the password again.
  client.on('error', (err) => {
    if (err.code === 'unauthorized' && account && token && app.welcomedOnce && app.client === client) {
      signOut('Your login has expired. Log in again.');
    }
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
    return client;
  } catch (err) {
    client.close();
    if (app.client === client) app.client = null;
    refused(err, nick, { token, account, register, remembered, attempt });
    return null;
  } finally {
    offState();
  }
}

function refused(err, nick, { token, account, register, remembered, attempt }) {
  if (remembered && err.code === 'nick_taken' && attempt < RELOAD_NICK_RETRIES) {
    setTimeout(() => start(nick, { token, account, remembered, attempt: attempt + 1 }), 400 * attempt);
    return;
  }
  if (account && token && err.code === 'unauthorized') {
    // A kept token the server no longer takes (expired, or the server's key changed).
    forgetSession();
    setMode('login');
    showLogin('Your login has expired. Log in again.', { focus: 'password-input' });
    return;
  }
  if (err.code === 'nick_registered') {
    showLogin(describeError(err, { nick }), {
      offer: {
        label: 'Log in instead',
        run: () => {
          setMode('login');
          showLogin(null, { focus: 'password-input' });
        },
      },
    });
    return;
  }
  if (err.code === 'unauthorized' && !account) {
    $('token-field').hidden = false;
    storage.set('token', null); // the stored one did not work; do not offer it again
    showLogin(describeError(err, { nick }), { focus: 'token-input' });
    return;
  }
  const focus = account && err.code !== 'nick_taken' && err.code !== 'nick_invalid' ? 'password-input' : 'nick-input';
  showLogin(describeError(err, { nick, action: register ? 'signup' : account ? 'login' : undefined }), { focus });
}

function readRaw(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeRaw(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: a guest's next visit just starts a new stay.
  }
}

function onWelcome(welcome) {
  app.me = welcome.nick;
  app.account = Boolean(welcome.account);
  app.admin = Boolean(welcome.admin);
  app.limits = welcome.limits ?? null;
  ui.composer.setLimit(app.limits?.max_text_chars);
  app.replayIsNews = welcome.reconnected;
  app.persistent = app.account && Array.isArray(welcome.channels);
  if (welcome.reconnected && app.persistent) takeKeptState(welcome);
  if (welcome.reconnected) return;

  app.welcomedOnce = true;
  // A reload signs a guest back in by nick; an account comes back with its token instead.
  storage.set('nick', app.account ? null : app.me);
  $('me-nick').textContent = app.me;
  $('me-kind').textContent = app.admin ? 'admin' : app.account ? 'account' : 'guest';
  $('sign-out').textContent = app.account ? 'Log out' : 'Change nickname';
  $('change-password').hidden = !app.account;
  $('new-channel').hidden = !app.account;
  $('login').hidden = true;
  $('app').hidden = false;

  // An account's channels are the server's list; an empty one (a new account, or from before the
  // server kept lists) starts from what this browser remembered, or #general, once.
  let wanted = storage.get(`channels.${app.me}`, ['general']);
  if (app.persistent) {
    const listed = welcome.channels.map((entry) => entry.channel);
    if (listed.length) wanted = listed;
    storage.set(`channels.${app.me}`, []);
  }
  const fromLink = channelFromHash();
  if (fromLink && !wanted.includes(fromLink)) wanted.push(fromLink);
  for (const name of wanted) joinChannel(name, { select: false });
  if (app.persistent) takeKeptState(welcome);
  const remembered = storage.get(`active.${app.me}`, null);
  // A dm conversation comes back with welcome's replay, just after this; open it now.
  if (!fromLink && remembered?.startsWith('d:')) conversation('dm', remembered.slice(2));
  const first = fromLink ? `c:${fromLink}` : remembered;
  const fallback = app.conversations.keys().next().value;
  if (app.conversations.has(first)) select(first);
  else if (fallback) select(fallback);
  else renderEmpty();
  ui.composer.focus();
}

function renderEmpty() {
  renderHeader();
  renderSidebar();
  renderMembers();
}

function resetConversations() {
  app.conversations.clear();
  app.activeKey = null;
  app.welcomedOnce = false;
  scroller.querySelector('.message-list')?.remove();
  $('invitations').replaceChildren();
}

// The banner's "Reconnect" after the client gave up: the same person, from the start.
export function restart() {
  const nick = app.me;
  const session = app.account ? savedSession() : null;
  app.client?.close();
  resetConversations();
  start(session?.nick ?? nick, session ? { token: session.token, account: true } : { token: operatorToken() });
}

// Logging out forgets the token (an account) or the nick (a guest) and asks again.
function signOut(message) {
  const wasAccount = app.account;
  app.client?.close();
  app.client = null;
  resetConversations();
  storage.set('nick', null);
  if (wasAccount) forgetSession();
  app.account = false;
  app.admin = false;
  ui.banner.show({ state: 'open' });
  setMode(wasAccount ? 'login' : 'guest');
  if (wasAccount) $('nick-input').value = app.me ?? '';
  showLogin(message, { focus: wasAccount && app.me ? 'password-input' : 'nick-input' });
}

$('sign-out').addEventListener('click', () => signOut());

// The first thing the page does: come back as whoever we were, or ask.
export function boot() {
  takeTokenFromLink();
  const session = savedSession();
  if (session && !expired(session)) {
    setMode('login');
    $('nick-input').value = session.nick;
    start(session.nick, { token: session.token, account: true });
    return;
  }
  if (session) {
    forgetSession();
    setMode('login');
    $('nick-input').value = session.nick;
    showLogin('Your login has expired. Log in again.', { focus: 'password-input' });
    return;
  }
  const rememberedNick = storage.get('nick', null);
  setMode('guest');
  if (rememberedNick && NICK_PATTERN.test(rememberedNick)) {
    $('nick-input').value = rememberedNick;
    start(rememberedNick, { token: operatorToken(), remembered: true });
  } else {
    showLogin();
  }
}
