// What people do to channel messages: reply (a quote above the message box), edit their own (in
// the message box; ↑ in an empty box edits the last one), delete (after a confirmation), react
// (a picker of common emoji, or any typed one; a chip toggles one's own), and follow a reply's
// quote to the message it answers. The server's events show the result to everyone, us
// included; a refusal is shown as a sentence.

import { $, active, app, element, scroller, ui } from './app-context.js';
import { describeError } from './format.js';
import { emojiProblem } from './parley.js';
import { snippetOf } from './message-parts.js';
import { openDialog, showDialogError } from './dialogs.js';
import { loadOlder } from './scrolling.js';
import { renderHeader } from './header.js';

const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '🙏'];
const HIGHLIGHT_MS = 2500;
// A reply's target older than what is shown: at most this many pages are loaded to find it.
const JUMP_PAGES = 20;

// The message box's mode: null (a new message), or { kind: 'reply' | 'edit', key, seq, text }.
let mode = null;

export function composerMode() {
  const current = active();
  return mode && current?.key === mode.key ? mode : null;
}

export function endComposerMode() {
  if (mode) ui.composer.clearContext();
}

// The change commands work in a channel we are in and may write to.
function writableChannel() {
  const current = active();
  if (current?.kind !== 'channel' || current.gone || current.muted) return null;
  return current;
}

function startReply(channel, seq) {
  const target = channel.view.states.get(seq);
  if (!target || target.deleted) return;
  if (mode?.kind === 'edit') ui.composer.setText('');
  mode = { kind: 'reply', key: channel.key, seq };
  ui.composer.setContext(`Replying to ${target.from}: ${snippetOf(target.text)}`, () => {
    mode = null;
  });
  ui.composer.focus();
}

// Editing happens in the message box: it takes the message's text, Enter saves, Escape (or ×)
// gives the box back empty.
export function startEdit(channel, seq) {
  const target = channel.view.states.get(seq);
  if (!target || target.deleted || target.from !== app.me) return false;
  mode = { kind: 'edit', key: channel.key, seq, text: target.text };
  ui.composer.setContext('Editing your message (Escape to cancel)', () => {
    const wasEditing = mode?.kind === 'edit';
    mode = null;
    if (wasEditing) ui.composer.setText('');
  });
  ui.composer.setText(target.text);
  ui.composer.focus();
  return true;
}

// ↑ in an empty message box: edit our newest message in the open channel.
export function editLastMessage() {
  const channel = writableChannel();
  const last = channel?.view.lastEditableBy(app.me);
  return last ? startEdit(channel, last.seq) : false;
}

// Called by sending.js with the box's text while in edit mode. Unchanged text just ends the edit.
export function saveEdit(channel, edit, text) {
  mode = null;
  ui.composer.clearContext();
  if (text === edit.text) return;
  app.client.edit(channel.name, edit.seq, text).catch((err) => {
    ui.notices.show(refusal(channel, err, 'edit'));
    // Nothing typed meanwhile: the edit comes back to the box for another try.
    const retryable = err.code !== 'no_such_message' && err.code !== 'forbidden';
    if (retryable && active() === channel && !ui.composer.text() && startEdit(channel, edit.seq)) {
      ui.composer.setText(text);
    }
  });
}

// ---- the buttons on messages ----------------------------------------------------------------

scroller.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const current = active();
  if (!button || current?.kind !== 'channel') {
    touchToggle(event);
    return;
  }
  const seq = Number(button.dataset.seq ?? button.dataset.target);
  if (button.dataset.action === 'jump') {
    showMessage(current, seq);
    return;
  }
  const channel = writableChannel();
  if (!channel) return;
  switch (button.dataset.action) {
    case 'reply':
      startReply(channel, seq);
      break;
    case 'edit':
      startEdit(channel, seq);
      break;
    case 'delete':
      confirmDelete(channel, seq);
      break;
    case 'react':
      openPicker(channel, seq);
      break;
    case 'toggle-reaction':
      toggleReaction(channel, seq, button.dataset.emoji, button.getAttribute('aria-pressed') === 'true');
      break;
    default:
  }
});

// Without a mouse there is no hover: a tap on a message shows its buttons.
function touchToggle(event) {
  if (!matchMedia('(hover: none)').matches || event.target.closest('a, button')) return;
  const item = event.target.closest('.msg[data-seq]');
  for (const other of scroller.querySelectorAll('.msg.show-actions')) {
    if (other !== item) other.classList.remove('show-actions');
  }
  item?.classList.toggle('show-actions');
}

function toggleReaction(channel, seq, emoji, mine) {
  const request = mine ? app.client.unreact(channel.name, seq, emoji) : app.client.react(channel.name, seq, emoji);
  request.catch((err) => ui.notices.show(refusal(channel, err, 'react')));
}

// The sentence for a refused change. A `muted` refusal also turns the message box off, as a
// refused message does.
function refusal(channel, err, action) {
  if (err.code === 'muted' && !channel.muted) {
    channel.muted = true;
    if (active() === channel) renderHeader();
  }
  return describeError(err, { channel: channel.name, limits: app.limits, action });
}

// Scrolls to the message a reply answers and highlights it, loading older pages until it is
// there (or the channel's beginning is reached).
async function showMessage(channel, seq) {
  const { view } = channel;
  for (let page = 0; page < JUMP_PAGES && !view.items.has(seq) && !view.reachedStart; page += 1) {
    if (channel.loadingOlder) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // a page already on its way
      continue;
    }
    const before = view.oldestSeq;
    await loadOlder(channel);
    if (view.oldestSeq === before && !view.reachedStart) break; // nothing more came
  }
  const item = view.items.get(seq);
  if (!item || active() !== channel) {
    if (!item) ui.notices.show('That message is no longer in the history.', 'info');
    return;
  }
  item.scrollIntoView({ block: 'center', behavior: 'smooth' });
  item.classList.remove('highlight');
  void item.offsetWidth; // restart the animation when jumping to the same message again
  item.classList.add('highlight');
  item.tabIndex = -1;
  item.focus({ preventScroll: true });
  setTimeout(() => item.classList.remove('highlight'), HIGHLIGHT_MS);
}

// ---- deleting -------------------------------------------------------------------------------

let deleting = null; // { channel, seq } while the confirmation is open

function confirmDelete(channel, seq) {
  const target = channel.view.states.get(seq);
  if (!target || target.deleted) return;
  deleting = { channel, seq };
  const own = target.from === app.me;
  $('delete-title').textContent = own ? 'Delete your message?' : `Delete ${target.from}'s message?`;
  $('delete-quote').textContent = snippetOf(target.text);
  openDialog('delete-dialog', $('delete-cancel'));
}

$('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!deleting) return;
  const { channel, seq } = deleting;
  await inDialog(
    'delete-dialog',
    () => app.client.deleteMessage(channel.name, seq),
    (err) => refusal(channel, err, 'delete'),
  );
});

// ---- reacting -------------------------------------------------------------------------------

let reacting = null; // { channel, seq } while the picker is open

for (const emoji of COMMON_EMOJI) {
  const choice = element('button', 'react-choice', emoji);
  choice.type = 'button';
  choice.setAttribute('aria-label', `React with ${emoji}`);
  choice.addEventListener('click', () => react(emoji));
  $('react-choices').append(choice);
}

function openPicker(channel, seq) {
  const target = channel.view.states.get(seq);
  if (!target || target.deleted) return;
  reacting = { channel, seq };
  $('react-title').textContent = `React to ${target.from === app.me ? 'your' : `${target.from}'s`} message`;
  $('react-input').value = '';
  openDialog('react-dialog', $('react-choices').querySelector('button'));
}

$('react-form').addEventListener('submit', (event) => {
  event.preventDefault();
  react($('react-input').value.trim());
});

function react(emoji) {
  if (!reacting) return;
  const problem = emojiProblem(emoji) ?? (looksLikeEmoji(emoji) ? null : 'Type an emoji, such as 🙂 or 🚀.');
  if (problem) {
    showDialogError('react-dialog', problem);
    return;
  }
  const { channel, seq } = reacting;
  inDialog(
    'react-dialog',
    () => app.client.react(channel.name, seq, emoji),
    (err) => refusal(channel, err, 'react'),
  );
}

// The picker is for emoji: any pictograph, flag or keycap, with its modifiers.
function looksLikeEmoji(text) {
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(text);
}

// One request at a time from a dialog: closed when it worked, the refusal shown inside otherwise.
async function inDialog(id, work, describe) {
  const buttons = [...$(id).querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    await work();
    $(id).close();
  } catch (err) {
    showDialogError(id, describe(err));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

for (const id of ['delete-dialog', 'react-dialog']) {
  $(id).addEventListener('close', () => {
    deleting = null;
    reacting = null;
    ui.composer.focus();
  });
}
