// The page around the conversation: drawers on narrow screens, keyboard shortcuts, coming back to
// the tab, and channel links (#name) opened while the app runs.

import { $, active, app, ui } from './app-context.js';
import { CHANNEL_PATTERN } from './format.js';
import { joinChannel, renderSidebar, select } from './conversations.js';
import { markIfReading } from './read-state.js';

const drawers = {
  sidebar: { panel: 'sidebar', opener: 'open-sidebar' },
  members: { panel: 'members-panel', opener: 'toggle-members' },
};

// Focus moves into an opened drawer (keyboard and screen reader users land where things
// happened) and back to the button that opened it when it closes.
function openDrawer(name) {
  document.body.classList.add(`show-${name}`);
  $('scrim').hidden = false;
  $(drawers[name].opener).setAttribute('aria-expanded', 'true');
  $(drawers[name].panel).querySelector('button:not([disabled]), input')?.focus({ preventScroll: true });
}

export function closeDrawers() {
  for (const [name, { panel, opener }] of Object.entries(drawers)) {
    if (!document.body.classList.contains(`show-${name}`)) continue;
    document.body.classList.remove(`show-${name}`);
    $(opener).setAttribute('aria-expanded', 'false');
    if ($(panel).contains(document.activeElement)) $(opener).focus({ preventScroll: true });
  }
  $('scrim').hidden = true;
}

$('open-sidebar').addEventListener('click', () => openDrawer('sidebar'));
$('close-sidebar').addEventListener('click', closeDrawers);
$('close-members').addEventListener('click', closeDrawers);
$('scrim').addEventListener('click', closeDrawers);
$('toggle-members').addEventListener('click', () => {
  // Wide screens show the panel inline; narrower ones slide it over the messages.
  if (matchMedia('(min-width: 1100px)').matches) document.body.classList.toggle('hide-members');
  else openDrawer('members');
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeDrawers();
  if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
    const keys = [...app.conversations.keys()];
    const index = keys.indexOf(app.activeKey);
    const next = keys[(index + (event.key === 'ArrowUp' ? -1 : 1) + keys.length) % keys.length];
    if (next) {
      event.preventDefault();
      select(next);
      ui.composer.focus();
    }
  }
});

// Coming back to the tab: what arrived meanwhile in the open conversation is now read (for an
// account, when the reader is at its bottom: the server's marker moves, on every page).
document.addEventListener('visibilitychange', () => {
  const current = active();
  if (document.hidden || !current) return;
  if (app.persistent) {
    if (markIfReading(current)) renderSidebar();
    return;
  }
  current.unread = 0;
  renderSidebar();
});

export function channelFromHash() {
  const name = decodeURIComponent(location.hash.slice(1));
  return CHANNEL_PATTERN.test(name) ? name : null;
}

addEventListener('hashchange', () => {
  const name = channelFromHash();
  if (name && app.welcomedOnce) joinChannel(name);
});
