// The message area's scrolling: following new messages at the bottom, "New messages ↓" while
// reading old ones, and older pages fetched as the reader nears the top.

import { $, active, app, isActive, scroller, ui } from './app-context.js';
import { describeError } from './format.js';
import { markIfReading } from './read-state.js';
import { renderSidebar } from './conversations.js';

const HISTORY_PAGE = 50;
// Within this distance of the bottom we follow new messages; further up the reader is busy.
const STICKY_BOTTOM_PX = 80;
// Start fetching the older page a little before the reader hits the very top.
const LOAD_OLDER_AT_PX = 150;

export function isNearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_BOTTOM_PX;
}

export function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  $('jump-latest').hidden = true;
}

$('jump-latest').addEventListener('click', () => {
  scrollToBottom();
  ui.composer.focus();
});

scroller.addEventListener('scroll', () => {
  const current = active();
  if (isNearBottom()) {
    $('jump-latest').hidden = true;
    if (current && markIfReading(current)) renderSidebar();
  }
  if (current && scroller.scrollTop < LOAD_OLDER_AT_PX) loadOlder(current);
});

// Resolves once the page is shown (at once when there is nothing to load or one is on its way).
export async function loadOlder(target) {
  const { view } = target;
  // A guest's dms are only this stay's; an account's are paged from the server like a channel.
  const ready = target.kind === 'channel' ? target.joined : app.persistent && target.loaded;
  if (!ready || target.loadingOlder || view.reachedStart) return;
  if (view.oldestSeq === null) return;
  target.loadingOlder = true;
  if (isActive(target)) $('history-status').hidden = false;
  try {
    const before = { before: view.oldestSeq, limit: HISTORY_PAGE };
    const page =
      target.kind === 'dm'
        ? (await app.client.conversation(target.name, before)).messages
        : await app.client.history(target.name, before);
    // Keep what the reader is looking at in place while the page grows above it.
    const heightBefore = scroller.scrollHeight;
    const topBefore = scroller.scrollTop;
    view.prepend(page);
    if (page.length === 0 || page[0].seq <= 1) view.markStart();
    if (isActive(target)) scroller.scrollTop = topBefore + (scroller.scrollHeight - heightBefore);
  } catch (err) {
    if (err.code === 'no_such_channel') view.markStart();
    else if (err.code !== 'disconnected' && err.code !== 'closed') {
      ui.notices.show(describeError(err, { channel: target.name, action: 'history' }));
    }
  } finally {
    target.loadingOlder = false;
    $('history-status').hidden = true;
  }
  if (isActive(target)) fillViewport(target);
}

// When the shown messages do not fill the screen there is nothing to scroll, so fetch more now.
export function fillViewport(target) {
  if (isActive(target) && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_AT_PX) {
    loadOlder(target);
  }
}
