// Sending from the message box: a "sending…" copy shows at once and is replaced by the message
// when the server has it; one that fails stays in place, marked "not sent", with Retry and
// Discard. Retry sends it under the same idempotency key: a send refused as `unavailable` may
// have been stored all the same, and the server then answers with that copy instead of a second.
// In reply mode the message answers the quoted one; in edit mode the box's text replaces the
// edited message's (message-actions.js).

import { active, app, element, isActive, ui } from './app-context.js';
import { describeError } from './format.js';
import { newMessageKey } from './parley.js';
import { scrollToBottom } from './scrolling.js';
import { renderHeader } from './header.js';
import { composerMode, endComposerMode, saveEdit } from './message-actions.js';

export function sendFromComposer(text) {
  const target = active();
  if (!target || target.gone || target.muted) return false;
  const max = app.limits?.max_text_chars;
  const length = [...text].length;
  if (max && length > max) {
    ui.notices.show(describeError({ code: 'text_invalid', limit: max, length }));
    return false;
  }
  const mode = composerMode();
  if (mode?.kind === 'edit') {
    saveEdit(target, mode, text);
    return true;
  }
  send(target, text, mode?.kind === 'reply' ? mode.seq : null);
  endComposerMode();
  return true;
}

function send(target, text, replyTo = null, key = newMessageKey()) {
  const item = target.view.addPending(text, replyTo);
  if (app.client.state !== 'open') item.querySelector('.send-status').textContent = 'will send when back online';
  const entry = { element: item, text, seq: null, replyTo, key };
  target.pending.push(entry);
  if (isActive(target)) scrollToBottom();
  const sending =
    target.kind === 'channel'
      ? app.client.say(target.name, text, { replyTo, key })
      : app.client.dm(target.name, text, { key });
  sending.then(
    (reply) => {
      // Stored, so not muted (any more): a Retry after an unmute turns the message box back on.
      if (target.muted) setMuted(target, false);
      if (reply?.seq === undefined) return;
      // The message itself may already be shown (it can arrive before the ack): then the
      // pending copy is gone; otherwise keep it until that seq arrives.
      entry.seq = reply.seq;
      if (target.view.seen.has(`seq:${reply.seq}`)) {
        const index = target.pending.indexOf(entry);
        if (index !== -1) target.pending.splice(index, 1);
        item.remove();
      }
    },
    (err) => markFailed(target, entry, err),
  );
}

function setMuted(target, muted) {
  target.muted = muted;
  if (isActive(target)) renderHeader();
}

function markFailed(target, entry, err) {
  if (err.code === 'muted' && target.kind === 'channel') setMuted(target, true);
  const index = target.pending.indexOf(entry);
  if (index !== -1) target.pending.splice(index, 1);
  const reason = describeError(err, {
    limits: app.limits,
    channel: target.kind === 'channel' ? target.name : undefined,
    to: target.kind === 'dm' ? target.name : undefined,
    action: 'say',
  });
  const item = entry.element;
  item.classList.remove('pending');
  item.classList.add('failed');
  const status = item.querySelector('.send-status');
  status.textContent = `not sent: ${reason}`;
  const retry = element('button', 'link-button', 'Retry');
  retry.type = 'button';
  retry.addEventListener('click', () => {
    item.remove();
    // The message it answered is gone: sent again, it is a plain message (a new one: the
    // refused send stored nothing, so its key may go too).
    if (err.code === 'no_such_message') send(target, entry.text, null);
    else send(target, entry.text, entry.replyTo, entry.key);
  });
  const discard = element('button', 'link-button', 'Discard');
  discard.type = 'button';
  discard.addEventListener('click', () => item.remove());
  status.after(retry, discard);
  if (isActive(target)) ui.notices.show(reason);
}
