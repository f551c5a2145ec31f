// The open conversation's header: its name, a padlock when private, the channel's topic (with
// "Edit" for those who may change it), and the buttons that act on it.

import { $, active, ui } from './app-context.js';
import { canEditTopic, canInvite } from './roles.js';

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
  if (!current) ui.composer.setPlaceholder('');
  else if (gone) ui.composer.setPlaceholder(`You are no longer in #${current.name}`);
  else ui.composer.setPlaceholder(isChannel ? `Message #${current.name}` : `Message ${current.name}`);
  ui.composer.setDisabled(!current || gone);
}
