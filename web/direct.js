// Direct messages kept by the server (accounts and token users): a conversation is loaded from
// the server when it is opened (`history` with `with`) and caught up with `since` after a
// reconnect; scrolling.js pages back through it like a channel. Also, for everyone, a dm sent to
// someone offline (the server's `ok` says `waiting`) shows "delivered when they come online"
// until they are seen (the server keeps it for an account and delivers it at their next login).

import { app, isActive, ui } from './app-context.js';
import { describeError } from './format.js';
import { sameNick } from './parley-changes.js';
import { countArrival, markIfReading, recountShown } from './read-state.js';
import { fillViewport, isNearBottom, scrollToBottom } from './scrolling.js';

const PAGE = 50;

// Loads what this page lacks of a conversation: its newest page the first time, what came after
// the newest shown after a reconnect (target.stale). Resolves once it is shown.
export function loadConversation(target, render) {
  if (!app.persistent || target.kind !== 'dm' || target.loading) return target.loading ?? Promise.resolve();
  if (target.loaded && !target.stale) return Promise.resolve();
  target.loading = fetchMissing(target, render).finally(() => {
    target.loading = null;
  });
  return target.loading;
}

async function fetchMissing(target, render) {
  const { view } = target;
  const catchUp = target.loaded && view.newestSeq !== null;
  let page;
  try {
    page = await app.client.conversation(target.name, catchUp ? { since: view.newestSeq } : { limit: PAGE });
  } catch (err) {
    if (err.code !== 'disconnected' && err.code !== 'closed' && err.code !== 'offline') {
      ui.notices.show(describeError(err, { to: target.name, action: 'history' }));
    }
    return;
  }
  const followBottom = !isActive(target) || isNearBottom() || !target.loaded;
  if (catchUp && page.gap) view.resetAfterGap();
  // Dms that arrived live before the first load are the newest: the page goes above them.
  const oldest = catchUp || page.gap ? null : view.oldestSeq;
  const older = oldest === null ? [] : page.messages.filter((m) => m.seq < oldest);
  const newer = page.messages.filter((m) => view.newestSeq === null || m.seq > view.newestSeq);
  view.prepend(older);
  view.append(newer);
  for (const message of newer) countArrival(target, message);
  if (!catchUp && (page.messages.length < PAGE || page.messages[0]?.seq <= 1)) view.markStart();
  recountShown(target);
  target.loaded = true;
  target.stale = false;
  if (isActive(target)) {
    if (followBottom) scrollToBottom();
    markIfReading(target);
    fillViewport(target);
  }
  render();
}

// Our dm, kept by the server for a recipient who is offline (its `ok` said `waiting`).
export function noteDelivery(target, dm) {
  if (dm.seq === undefined || !dm.waiting) return;
  const item = target.view.list.querySelector(`.msg[data-seq="${dm.seq}"]`);
  if (!item || item.querySelector('.send-status')) return;
  const status = document.createElement('span');
  status.className = 'send-status waiting';
  status.textContent = `delivered when ${target.name} comes online`;
  item.querySelector('.meta').append(status);
}

// `nick` showed up (joined a channel we are in, or wrote to us): what waited for them is theirs.
export function seenNow(nick) {
  for (const target of app.conversations.values()) {
    if (target.kind !== 'dm' || !sameNick(target.name, nick)) continue;
    for (const status of target.view.list.querySelectorAll('.send-status.waiting')) status.remove();
  }
}
