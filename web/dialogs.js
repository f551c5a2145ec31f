// The dialogs about a channel as a whole: creating one (with the private switch), setting its
// topic, inviting someone; and changing the account's password. Each waits for the server's
// answer: `ok` closes it, a refusal is shown inside it as a sentence, and what was typed stays
// for another try.

import { $, active, app, ui } from './app-context.js';
import { CHANNEL_PATTERN, NICK_PATTERN, describeError } from './format.js';
import { conversation, removeConversation, renderSidebar, select } from './conversations.js';
import { addChannelNote } from './incoming.js';
import { renewSession } from './session.js';

export function openDialog(id, focus) {
  const dialog = $(id);
  const error = dialog.querySelector('.login-error');
  if (error) error.hidden = true;
  dialog.showModal();
  focus?.focus();
  focus?.select?.();
}

export function showDialogError(id, text) {
  const error = $(id).querySelector('.login-error');
  error.textContent = text;
  error.hidden = false;
}

for (const button of document.querySelectorAll('dialog [data-close]')) {
  button.addEventListener('click', () => button.closest('dialog').close());
}

// Runs `work` with the dialog's buttons off (one request at a time), closing it when it worked
// and showing the refusal otherwise.
async function submitting(id, work, describe) {
  const buttons = [...$(id).querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    await work();
    $(id).close();
    return true;
  } catch (err) {
    showDialogError(id, describe(err));
    return false;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

// ---- a new channel --------------------------------------------------------------------------

$('new-channel').addEventListener('click', () => {
  $('create-name').value = '';
  $('create-topic').value = '';
  $('create-private').checked = false;
  openDialog('create-dialog', $('create-name'));
});

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('create-name').value.trim().replace(/^#/, '');
  if (!CHANNEL_PATTERN.test(name)) {
    showDialogError('create-dialog', describeError({ code: 'channel_invalid' }));
    return;
  }
  const key = `c:${name}`;
  if (app.conversations.has(key)) {
    showDialogError('create-dialog', describeError({ code: 'channel_exists' }, { channel: name }));
    return;
  }
  const options = { private: $('create-private').checked, topic: $('create-topic').value.trim() };
  // The conversation exists before the request: its `joined` reply fills it in.
  conversation('channel', name);
  renderSidebar();
  const created = await submitting(
    'create-dialog',
    () => app.client.createChannel(name, options),
    (err) => describeError(err, { channel: name, action: 'create' }),
  );
  if (created) {
    select(key);
    ui.composer.focus();
  } else {
    removeConversation(key);
  }
});

// ---- the topic ------------------------------------------------------------------------------

$('edit-topic').addEventListener('click', () => {
  const current = active();
  if (current?.kind !== 'channel') return;
  $('topic-title').textContent = `Topic of #${current.name}`;
  $('topic-input').value = current.topic;
  openDialog('topic-dialog', $('topic-input'));
});

$('topic-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const current = active();
  if (current?.kind !== 'channel') return;
  const topic = $('topic-input').value.trim();
  // The `topic` event that every member gets, us included, shows the change.
  submitting(
    'topic-dialog',
    () => app.client.setTopic(current.name, topic),
    (err) => describeError(err, { channel: current.name, action: 'topic' }),
  );
});

// ---- invitations ----------------------------------------------------------------------------

$('invite-button').addEventListener('click', () => {
  const current = active();
  if (current?.kind !== 'channel') return;
  $('invite-title').textContent = `Invite to #${current.name}`;
  $('invite-input').value = '';
  openDialog('invite-dialog', $('invite-input'));
});

$('invite-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const current = active();
  if (current?.kind !== 'channel') return;
  const nick = $('invite-input').value.trim().replace(/^@/, '');
  if (!NICK_PATTERN.test(nick)) {
    showDialogError('invite-dialog', describeError({ code: 'nick_invalid' }));
    return;
  }
  const invited = await submitting(
    'invite-dialog',
    () => app.client.invite(current.name, nick),
    (err) => describeError(err, { channel: current.name, action: 'invite', target: nick }),
  );
  if (invited) addChannelNote(current, `You invited ${nick}. They can join #${current.name} now.`);
});

// ---- the password ---------------------------------------------------------------------------

// The passwords typed here go to the server once and are cleared from the page right after.
function clearPasswords() {
  for (const id of ['password-old', 'password-new', 'password-again']) $(id).value = '';
}

$('change-password').addEventListener('click', () => {
  clearPasswords();
  $('password-user').value = app.me ?? '';
  openDialog('password-dialog', $('password-old'));
});

$('password-dialog').addEventListener('close', clearPasswords);

$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const old = $('password-old').value;
  const next = $('password-new').value;
  const length = [...next].length;
  if (!old) {
    showDialogError('password-dialog', 'Type your current password.');
    return;
  }
  if (length < 8 || length > 128) {
    showDialogError('password-dialog', describeError({ code: 'password_invalid' }));
    return;
  }
  if (next !== $('password-again').value) {
    showDialogError('password-dialog', 'The two new passwords are not the same.');
    return;
  }
  const changed = await submitting(
    'password-dialog',
    async () => {
      await app.client.changePassword(old, next);
      // Tokens from before the change no longer work: this page takes a new one.
      await renewSession(next).catch(() => {});
      return true;
    },
    (err) => describeError(err, { action: 'password' }),
  );
  if (changed) {
    ui.notices.show(
      'Your password is changed. Other devices and tokens from before must log in again.',
      'info',
    );
  }
});
