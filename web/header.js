// The open conversation's header: its name, a padlock when private, the channel's topic (with
// "Edit" for those who may change it), and the buttons that act on it. Also the message box's
// state that follows from our standing there: off where we were removed or are muted.

import { $, active, ui } from './app-context.js';
import { canEditTopic, canInvite, canModerate } from './roles.js';

export function renderHeader() {
  const current = active();
  const isChannel = current?.kind === 'channel';
  const gone = Boolean(isChannel && current.gone);
  $('conv-title').textContent = !current ? 'No conversation' : isChannel ? `#${current.name}` : `@${current.name}`;
  $('conv-lock').hidden = !(isChannel && current.isPrivate);

  const topic = isChannel ? current.topic : '';
  const mayEdit = isChannel && !gone && canEditTopic(current);
  $('conv-topic-line').hidden = !topic && !mayEdit;
  $('conv-topic').textContent = topic;
  $('conv-topic').title = topic;
  $('edit-topic').hidden = !mayEdit;
  $('edit-topic').textContent = topic ? 'Edit' : 'Set a topic';
  $('invite-button').hidden = !(isChannel && !gone && canInvite(current));

  $('leave-conv').hidden = !current;
  $('leave-conv').textContent = isChannel && !gone ? 'Leave' : 'Close';
  $('leave-conv').setAttribute(
    'aria-label',
    !current ? '' : isChannel ? `${gone ? 'Close' : 'Leave'} #${current.name}` : `Close conversation with ${current.name}`,
  );
  const muted = isChannel && !gone && current.muted;
  $('muted-note').hidden = !muted;
  if (muted) {
    $('muted-text').textContent = `You are muted in #${current.name}: nothing you write there is sent. You are not told when an op unmutes you.`;
  }
  if (!current) ui.composer.setPlaceholder('');
  else if (gone) ui.composer.setPlaceholder(`You are no longer in #${current.name}`);
  else if (muted) ui.composer.setPlaceholder(`You are muted in #${current.name}`);
  else ui.composer.setPlaceholder(isChannel ? `Message #${current.name}` : `Message ${current.name}`);
  ui.composer.setDisabled(!current || gone || muted);
  // Buttons on messages: none where we cannot write; delete on everyone's for those who moderate.
  if (isChannel) {
    current.view.list.classList.toggle('read-only', gone || muted);
    current.view.list.classList.toggle('can-moderate', canModerate(current));
  }
}

// No event says that we were unmuted: "Try again" turns the box back on, and the server's
// answer to the next message settles it (a `muted` refusal turns it off again).
$('muted-retry').addEventListener('click', () => {
  const current = active();
  if (current?.kind !== 'channel') return;
  current.muted = false;
  renderHeader();
  ui.composer.focus();
});
