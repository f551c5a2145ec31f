// Channel authority as the page shows it: the events (a topic set, a role given, an invitation,
// being removed from a channel) and what ops do to a member (op/deop, mute, kick, ban) or to a
// nick (unban). The server decides; a refusal comes back as a sentence where it was asked for.

import { $, app, channelOf, element, ui } from './app-context.js';
import { describeError } from './format.js';
import { joinChannel, refreshChannel } from './conversations.js';
import { addChannelNote } from './incoming.js';
import { openDialog, showDialogError } from './dialogs.js';
import { canActOn, canChangeRole, roleOf, sameNick } from './roles.js';

// "You" for ourselves, so a note reads "You set the topic" rather than our own nick.
function who(nick, { subject = true } = {}) {
  if (!sameNick(nick, app.me)) return nick;
  return subject ? 'You' : 'you';
}

export function onTopic({ channel: name, topic, by }) {
  const channel = channelOf(name);
  if (!channel) return;
  channel.topic = topic ?? '';
  addChannelNote(channel, channel.topic ? `${who(by)} set the topic: ${channel.topic}` : `${who(by)} cleared the topic`);
  refreshChannel(channel);
}

export function onRole({ channel: name, nick, role, by }) {
  const channel = channelOf(name);
  if (!channel) return;
  // Only a registered channel has roles to give. `roles` lists the owner and the ops.
  channel.registered = true;
  if (sameNick(nick, app.me)) channel.role = role;
  if (role === 'op') channel.roles.set(nick.toLowerCase(), role);
  else channel.roles.delete(nick.toLowerCase());
  const whom = who(nick, { subject: false });
  addChannelNote(
    channel,
    role === 'op' ? `${who(by)} made ${whom} an op` : `${who(by)} took the op role from ${whom}`,
  );
  refreshChannel(channel);
}

// ---- invitations ----------------------------------------------------------------------------

// A card that stays until answered: invitations last on the server until used, so "Not now"
// only hides it.
export function onInvited({ channel: name, by }) {
  const cards = $('invitations');
  for (const old of cards.querySelectorAll('.invitation')) {
    if (old.dataset.channel === name) old.remove();
  }
  const card = element('div', 'invitation');
  card.dataset.channel = name;
  card.setAttribute('role', 'status');
  const text = element('span', 'invitation-text', `${by} invited you to #${name}`);
  const accept = element('button', 'primary', 'Join');
  accept.type = 'button';
  accept.setAttribute('aria-label', `Join #${name}`);
  accept.addEventListener('click', () => {
    card.remove();
    joinChannel(name);
    ui.composer.focus();
  });
  const later = element('button', 'link-button', 'Not now');
  later.type = 'button';
  later.addEventListener('click', () => card.remove());
  const lock = element('span', 'lock');
  lock.setAttribute('aria-hidden', 'true');
  card.append(lock, text, accept, later);
  cards.append(card);
}

// ---- removed from a channel -----------------------------------------------------------------

// The channel stays in the list, marked, with what happened in its view; the message box is
// off until the user joins again (kicked from an open channel; a private one needs a new
// invitation, a ban its lifting) or closes it.
function markGone(channel, sentence, gone) {
  channel.gone = gone;
  channel.joined = false;
  channel.listed = false; // off an account's list: joined again, its marker starts afresh
  channel.members = null;
  channel.memberCount = null;
  channel.typing.clear();
  addChannelNote(channel, sentence, 'removed');
  ui.notices.show(sentence);
  refreshChannel(channel);
}

export function onKicked({ channel: name, by, reason, ban }) {
  const channel = channelOf(name);
  if (!channel) return;
  const why = reason ? ` (“${reason}”)` : '';
  if (ban) {
    const sentence = `You were banned from #${name} by ${by}${why}. You cannot join it again unless an op lifts the ban.`;
    markGone(channel, sentence, { by, reason, ban: true });
    return;
  }
  const back = channel.isPrivate ? ' To come back you need a new invitation.' : '';
  markGone(channel, `${by} removed you from #${name}${why}.${back}`, { by, reason, ban: false });
}

// A re-join after a reconnect that the channel refused: we were banned, or dropped from a
// private channel, while away. Returns whether it was one of those.
export function onRefusedRejoin(err) {
  const channel = channelOf(err.channel);
  if (!channel || (err.code !== 'banned' && err.code !== 'forbidden')) return false;
  const sentence = describeError(err, { channel: err.channel, action: 'join' });
  markGone(channel, sentence, { by: null, reason: err.code, ban: err.code === 'banned' });
  return true;
}

// ---- what ops do to a member ----------------------------------------------------------------

let acting = null; // { channel, nick } while the member dialog is open

const ACTIONS = {
  op: { run: (c, nick) => app.client.setRole(c, nick, 'op'), kind: 'role' },
  deop: { run: (c, nick) => app.client.setRole(c, nick, 'member'), kind: 'role' },
  mute: { run: (c, nick) => app.client.mute(c, nick), done: 'You muted {nick}: their messages are refused.' },
  unmute: { run: (c, nick) => app.client.unmute(c, nick), done: 'You unmuted {nick}.' },
  kick: { run: (c, nick, reason) => app.client.kick(c, nick, reason), done: 'You removed {nick}.' },
  ban: { run: (c, nick, reason) => app.client.ban(c, nick, reason), done: 'You banned {nick}.' },
};

export function openMemberActions(channel, nick) {
  acting = { channel, nick };
  const role = roleOf(channel, nick);
  $('member-title').textContent = nick;
  $('member-role').textContent = `${role === 'member' ? 'A member' : `The ${role}`} of #${channel.name}`;
  const mayRole = canChangeRole(channel, nick);
  const maySanction = canActOn(channel, nick);
  const shown = {
    op: mayRole && role === 'member',
    deop: mayRole && role === 'op',
    mute: maySanction,
    unmute: maySanction,
    kick: maySanction,
    ban: maySanction,
  };
  for (const button of $('member-form').querySelectorAll('[data-action]')) {
    button.hidden = !shown[button.dataset.action];
  }
  $('member-sanctions').hidden = !maySanction;
  $('member-reason').value = '';
  openDialog('member-dialog', $('member-form').querySelector('[data-action]:not([hidden])'));
}

for (const button of $('member-form').querySelectorAll('[data-action]')) {
  button.addEventListener('click', () => act(button.dataset.action));
}
$('member-form').addEventListener('submit', (event) => event.preventDefault());

async function act(name) {
  if (!acting) return;
  const { channel, nick } = acting;
  const action = ACTIONS[name];
  const reason = $('member-reason').value.trim() || undefined;
  const buttons = [...$('member-dialog').querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    await action.run(channel.name, nick, reason);
    $('member-dialog').close();
    // A role change comes back as a `role` event to everyone; the rest only to the target.
    if (action.done) addChannelNote(channel, action.done.replace('{nick}', nick));
  } catch (err) {
    const kind = action.kind ?? name;
    showDialogError('member-dialog', describeError(err, { channel: channel.name, action: kind, target: nick }));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

// Resolves with whether the ban is lifted; a refusal is shown as a notice.
export async function unban(channel, nick) {
  try {
    await app.client.unban(channel.name, nick);
    addChannelNote(channel, `You lifted the ban on ${nick}.`);
    return true;
  } catch (err) {
    ui.notices.show(describeError(err, { channel: channel.name, action: 'unban', target: nick }));
    return false;
  }
}
