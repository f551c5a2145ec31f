// The Parley web app: wires parley.js (the protocol) to the page. This file makes the widgets the
// modules share and starts; the rest is in:
//
//   session.js        signing in (guest, log in, sign up, token) and out, the welcome
//   conversations.js  channels and direct messages, which one is open, the sidebar
//   incoming.js       what the server sends: joined, messages, dms, presence, typing
//   authority.js      topics, roles, invitations, being removed; ops' actions on members
//   dialogs.js        new channel, topic, invite, password
//   message-actions.js reply, edit, delete and react on messages
//   message-view.js, message-parts.js, header.js, members.js, roles.js, scrolling.js, sending.js,
//   layout.js

import { $, active, app, ui } from './app-context.js';
import { Composer } from './composer.js';
import { ConnectionBanner, Notices } from './status.js';
import { sendFromComposer } from './sending.js';
import { editLastMessage } from './message-actions.js';
import { boot, restart } from './session.js';

ui.notices = new Notices($('notices'));
ui.banner = new ConnectionBanner($('banner'), {
  onRetry: () => (app.client?.state === 'closed' ? restart() : app.client?.reconnectNow()),
});
ui.composer = new Composer({
  form: $('composer'),
  input: $('composer-input'),
  counter: $('char-count'),
  context: $('composer-context'),
  onSend: sendFromComposer,
  onEditLast: editLastMessage,
  onTyping: () => {
    const conversation = active();
    if (conversation?.kind === 'channel' && !conversation.gone && !conversation.muted) app.client.typing(conversation.name);
  },
});

boot();
