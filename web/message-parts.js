// The parts of a channel message that change after it arrived: the quote of the message it
// replies to, its text with "(edited)" or the "message deleted" placeholder, its reaction chips,
// and its action buttons (reply, react, edit, delete). message-view.js builds a message once and
// calls renderMessageParts() again whenever a change event alters it. The buttons only carry
// data-action and data-seq: message-actions.js acts on them.

import { element } from './app-context.js';
import { formatFullTime, mentions, renderText } from './format.js';
import { sameNick } from './parley-changes.js';

const SNIPPET_CHARS = 80;

// Fills `item` (an .msg element, its .meta already there) from `state` (see messageState in
// parley-changes.js). `quoteOf(seq)` returns the state of a shown message, or null.
export function renderMessageParts(item, state, { me, quoteOf, withActions }) {
  for (const old of item.querySelectorAll(':scope > .reply-quote, :scope > .content, :scope > .reactions, :scope > .msg-actions')) {
    old.remove();
  }
  item.classList.toggle('deleted', state.deleted);
  const own = state.from === me;
  item.classList.toggle('mentions-me', !own && !state.deleted && mentions(state.text, me));
  const parts = [];
  if (state.replyTo !== null && !state.deleted) parts.push(replyQuote(state.replyTo, quoteOf(state.replyTo)));
  parts.push(content(state, own ? null : me));
  if (state.reactions.size) parts.push(reactionChips(state, me));
  if (withActions && !state.deleted) parts.push(actions(state, own));
  item.append(...parts);
}

function content(state, mention) {
  const box = element('div', 'content');
  if (state.deleted) {
    box.append(element('div', 'text deleted-text', 'message deleted'));
    return box;
  }
  const text = element('div', 'text');
  text.append(renderText(state.text, { mention }));
  box.append(text);
  if (state.editedTs !== null) {
    const mark = element('span', 'edited', '(edited)');
    mark.title = `Edited ${formatFullTime(state.editedTs)}`;
    box.append(mark);
  }
  return box;
}

// A button above the reply: who wrote the message it answers and how it starts; it scrolls to
// that message. The target may not be loaded (older than what is shown): then it says so, and
// the button loads older pages to find it.
export function replyQuote(targetSeq, target) {
  const quote = element('button', 'reply-quote');
  quote.type = 'button';
  quote.dataset.action = 'jump';
  quote.dataset.target = String(targetSeq);
  fillQuote(quote, target);
  return quote;
}

export function fillQuote(quote, target) {
  const arrow = element('span', 'reply-arrow', '↪');
  arrow.setAttribute('aria-hidden', 'true');
  if (!target) {
    quote.replaceChildren(arrow, element('span', 'reply-snippet', 'an earlier message'));
    quote.setAttribute('aria-label', 'Reply to an earlier message: show it');
    return;
  }
  const snippet = target.deleted ? 'message deleted' : snippetOf(target.text);
  quote.replaceChildren(arrow, element('span', 'reply-author', target.from), element('span', 'reply-snippet', snippet));
  quote.classList.toggle('of-deleted', target.deleted);
  quote.setAttribute('aria-label', `Reply to ${target.from}: ${snippet}. Show that message`);
}

export function snippetOf(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > SNIPPET_CHARS ? `${chars.slice(0, SNIPPET_CHARS).join('')}…` : flat;
}

// One chip per emoji with its count; its tooltip names who reacted, and a click adds or takes
// back our own reaction (aria-pressed says which).
function reactionChips(state, me) {
  const box = element('div', 'reactions');
  for (const [emoji, nicks] of state.reactions) {
    const mine = nicks.some((nick) => sameNick(nick, me));
    const chip = element('button', 'reaction');
    chip.type = 'button';
    chip.dataset.action = 'toggle-reaction';
    chip.dataset.seq = String(state.seq);
    chip.dataset.emoji = emoji;
    chip.setAttribute('aria-pressed', String(mine));
    const who = listNicks(nicks.map((nick) => (sameNick(nick, me) ? 'you' : nick)));
    chip.title = `${who} reacted with ${emoji}`;
    chip.setAttribute('aria-label', `${emoji} ${nicks.length}: ${who}. ${mine ? 'Take yours back' : 'Add yours'}`);
    const symbol = element('span', 'reaction-emoji', emoji);
    symbol.setAttribute('aria-hidden', 'true');
    const count = element('span', 'reaction-count', String(nicks.length));
    count.setAttribute('aria-hidden', 'true');
    chip.append(symbol, count);
    box.append(chip);
  }
  return box;
}

function listNicks(nicks) {
  if (nicks.length <= 1) return nicks.join('');
  return `${nicks.slice(0, -1).join(', ')} and ${nicks.at(-1)}`;
}

// Real buttons, reachable with Tab (they show on hover and on focus): reply and react for every
// message, edit for our own, delete for our own (and, for ops, owners and admins, on everyone's:
// the list's can-moderate class shows those).
function actions(state, own) {
  const bar = element('div', 'msg-actions');
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', `Message from ${state.from}`);
  // The visible label is drawn by CSS from data-label: copying messages (or reading their text)
  // does not pick up "Reply React Edit Delete"; the accessible name is the aria-label.
  const add = (action, label, aria, extra = '') => {
    const button = element('button', `msg-action ${extra}`.trim());
    button.dataset.label = label;
    button.type = 'button';
    button.dataset.action = action;
    button.dataset.seq = String(state.seq);
    button.setAttribute('aria-label', aria);
    button.title = aria;
    bar.append(button);
  };
  add('reply', 'Reply', `Reply to ${state.from}`);
  add('react', 'React', own ? 'React to your message' : `React to ${state.from}'s message`);
  if (own) add('edit', 'Edit', 'Edit your message');
  add('delete', 'Delete', own ? 'Delete your message' : `Delete ${state.from}'s message`, own ? '' : 'mod-only');
  return bar;
}
