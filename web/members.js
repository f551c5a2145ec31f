// The member list of the open channel: everyone present, with a badge for the owner and the ops
// (and admin for ourselves), a click to write someone a direct message, and, for those who may
// moderate, an actions button on each member they outrank and a box to lift a ban.

import { $, active, app, element } from './app-context.js';
import { nickHue } from './message-view.js';
import { openDm } from './conversations.js';
import { openMemberActions, unban } from './authority.js';
import { ROLE_LABELS, canActOn, canChangeRole, canModerate, roleOf } from './roles.js';

export function renderMembers() {
  const current = active();
  const list = $('member-list');
  const isChannel = current?.kind === 'channel';
  $('toggle-members').hidden = !isChannel;
  $('unban-form').hidden = !(isChannel && !current.gone && canModerate(current));
  if (!isChannel) {
    $('conv-subtitle').textContent = current ? 'Direct message' : '';
    list.replaceChildren();
    $('member-count').textContent = '';
    $('members-hidden').hidden = true;
    return;
  }
  const count = current.gone ? 0 : (current.memberCount ?? current.members?.size ?? 0);
  const goneText = current.gone?.ban ? 'You were banned' : 'You were removed';
  $('conv-subtitle').textContent = current.gone ? goneText : count === 1 ? '1 member' : `${count} members`;
  $('member-count').textContent = String(count);
  $('toggle-members').textContent = `Members · ${count}`;
  $('members-hidden').hidden = current.members !== null || Boolean(current.gone);
  const nicks = current.gone ? [] : [...(current.members ?? [])].sort((a, b) =>
    a === app.me ? -1 : b === app.me ? 1 : a.localeCompare(b, undefined, { sensitivity: 'base' }),
  );
  list.replaceChildren(...nicks.map((nick) => memberItem(current, nick)));
}

function memberItem(channel, nick) {
  const item = element('li', 'member-row');
  const button = element('button', 'member');
  button.type = 'button';
  button.style.setProperty('--hue', String(nickHue(nick)));
  const avatar = element('span', 'avatar', nick.charAt(0).toUpperCase());
  avatar.setAttribute('aria-hidden', 'true');
  button.append(avatar, element('span', 'member-name', nick === app.me ? `${nick} (you)` : nick));
  const role = roleOf(channel, nick);
  if (ROLE_LABELS[role]) button.append(element('span', `role-badge role-${role}`, ROLE_LABELS[role]));
  if (nick === app.me) button.disabled = true;
  else {
    button.title = `Message ${nick}`;
    button.addEventListener('click', () => openDm(nick));
  }
  item.append(button);
  if (canActOn(channel, nick) || canChangeRole(channel, nick)) {
    const actions = element('button', 'member-actions', '⋯');
    actions.type = 'button';
    actions.setAttribute('aria-label', `Actions for ${nick}`);
    actions.setAttribute('aria-haspopup', 'dialog');
    actions.title = `Actions for ${nick}`;
    actions.addEventListener('click', () => openMemberActions(channel, nick));
    item.append(actions);
  }
  return item;
}

$('unban-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const current = active();
  const nick = $('unban-input').value.trim().replace(/^@/, '');
  if (current?.kind !== 'channel' || !nick) return;
  unban(current, nick).then((done) => {
    if (done) $('unban-input').value = '';
  });
});
