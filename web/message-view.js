// The list of messages of one conversation (a channel or a dm), as a DOM element the app swaps
// into the scroll area. Keeping one list per conversation means switching is instant and the
// scroll position of each is kept.

import { dayKey, formatDay, formatFullTime, formatTime, mentions, mentionsAt, renderText } from './format.js';
import { CHANGE_TYPES, applyChange, messageState, sameNick } from './parley-changes.js';
import { fillQuote, renderMessageParts } from './message-parts.js';

// Messages of one author closer together than this share one header.
const GROUP_WINDOW_MS = 5 * 60 * 1000;

export class MessageView {
  constructor({ me, title, kind = 'channel' }) {
    this.me = me;
    this.title = title;
    // Channel messages have a seq and can change (replies, edits, deletion, reactions); dms not.
    this.changeable = kind === 'channel';
    this.states = new Map(); // seq -> the message's current state (parley-changes.js)
    this.items = new Map(); // seq -> its element
    this.dms = new Map(); // seq -> { from, text } of a dm with a seq (dm views)
    this.newestSeq = null; // the highest seq appended: a message's or a change's
    this.list = document.createElement('ol');
    this.list.className = 'message-list';
    this.seen = new Set();
    this.oldestSeq = null;
    this.reachedStart = false;
    this.scrollTop = null; // remembered while another conversation is shown
    this.startMarker = null;
  }

  get isEmpty() {
    return this.list.querySelector('.msg') === null;
  }

  // Appends messages newer than everything shown, and applies the change events among them (a
  // re-join's history mixes both, in seq order). Returns how many messages were new.
  append(messages) {
    let added = 0;
    for (const message of messages) {
      if (message.seq !== undefined) this.newestSeq = Math.max(this.newestSeq ?? 0, message.seq);
      if (CHANGE_TYPES.has(message.type)) {
        this.applyChange(message);
        continue;
      }
      const key = messageKey(message);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (this.oldestSeq === null && message.seq !== undefined) this.oldestSeq = message.seq;
      const previous = lastMessageElement(this.list);
      this.list.append(...this._itemsFor(message, previous));
      added += 1;
    }
    return added;
  }

  // Adds an older page above what is shown (messages ascending).
  prepend(messages) {
    const fresh = messages.filter((message) => !this.seen.has(messageKey(message)));
    if (fresh.length === 0) return 0;
    const fragment = document.createDocumentFragment();
    let previous = null;
    for (const message of fresh) {
      this.seen.add(messageKey(message));
      const items = this._itemsFor(message, previous);
      fragment.append(...items);
      previous = items.at(-1);
    }
    if (fresh[0].seq !== undefined) this.oldestSeq = fresh[0].seq;
    const firstOld = this.list.querySelector('.msg');
    const anchor = this.startMarker?.nextSibling ?? this.list.firstChild;
    this.list.insertBefore(fragment, anchor);
    if (firstOld) this._regroup(firstOld, previous);
    // Replies shown before the messages they answer were loaded can quote them now.
    for (const message of fresh) this._refreshQuotesOf(message.seq);
    return fresh.length;
  }

  // An `edited`, `deleted` or `reaction` event. Returns whether anything shown changed; a change
  // to a message not loaded here is left out (its page, when loaded, is in its current state).
  applyChange(event) {
    const state = this.states.get(event.target);
    if (!state || !applyChange(state, event)) return false;
    this._renderParts(this.items.get(event.target), state);
    if (event.type !== 'reaction') this._refreshQuotesOf(event.target);
    return true;
  }

  // Of the messages shown whose seq is in (after, upTo], the ones from others that are not deleted
  // (what the server counts as unread), and how many of those mention `me` as @me.
  tally(after, upTo, me) {
    let messages = 0;
    let mentioning = 0;
    for (const [seq, entry] of this.changeable ? this.states : this.dms) {
      if (seq <= after || seq > upTo || entry.deleted || sameNick(entry.from, me)) continue;
      messages += 1;
      if (mentionsAt(entry.text, me)) mentioning += 1;
    }
    return { messages, mentioning };
  }

  // Whether every message after `seq` is shown (so a count of them is exact).
  showsAllAfter(seq) {
    return this.reachedStart || (this.oldestSeq !== null && this.oldestSeq <= seq + 1);
  }

  // The newest message of `nick` that may still be edited, or null.
  lastEditableBy(nick) {
    const seqs = [...this.states.keys()].sort((a, b) => b - a);
    for (const seq of seqs) {
      const state = this.states.get(seq);
      if (state.from === nick && !state.deleted) return state;
    }
    return null;
  }

  _renderParts(item, state) {
    renderMessageParts(item, state, {
      me: this.me,
      quoteOf: (seq) => this.states.get(seq) ?? null,
      withActions: true,
    });
  }

  _refreshQuotesOf(seq) {
    if (seq === undefined) return;
    for (const quote of this.list.querySelectorAll(`.reply-quote[data-target="${seq}"]`)) {
      fillQuote(quote, this.states.get(seq) ?? null);
    }
  }

  // The old first message may now continue the group of the page above it, or share its day.
  _regroup(element, previous) {
    const before = element.previousElementSibling;
    if (before?.classList.contains('day') && before.dataset.day === previous?.dataset.day) {
      before.remove();
    }
    if (continuesGroup(previous, element)) element.classList.add('continued');
  }

  markStart() {
    if (this.reachedStart) return;
    this.reachedStart = true;
    this.startMarker = document.createElement('li');
    this.startMarker.className = 'start-marker';
    this.startMarker.textContent = `This is the beginning of ${this.title}.`;
    this.list.prepend(this.startMarker);
  }

  // A hole we could not fill after a long disconnect: drop what we have and start over from
  // the latest page, so the list is never silently incomplete.
  resetAfterGap() {
    this.list.replaceChildren();
    this.seen.clear();
    this.states.clear();
    this.items.clear();
    this.dms.clear();
    this.oldestSeq = null;
    this.newestSeq = null;
    this.reachedStart = false;
    this.startMarker = null;
    this.addNote('You were away long enough to miss some messages. Scroll up to read older ones.');
  }

  addNote(text, kind = 'note') {
    const item = document.createElement('li');
    item.className = `system ${kind}`;
    item.textContent = text;
    this.list.append(item);
    return item;
  }

  // A message of ours the server has not confirmed yet (`replyTo`: the seq it answers).
  addPending(text, replyTo = null) {
    const item = this._messageElement({ from: this.me, text, ts: Date.now(), reply_to: replyTo ?? undefined }, null);
    item.classList.add('pending');
    const status = document.createElement('span');
    status.className = 'send-status';
    status.textContent = 'sending…';
    item.querySelector('.meta').append(status);
    this.list.append(item);
    return item;
  }

  _itemsFor(message, previous) {
    const items = [];
    const day = dayKey(message.ts);
    if (previous?.dataset.day !== day) {
      const separator = document.createElement('li');
      separator.className = 'day';
      separator.dataset.day = day;
      separator.setAttribute('role', 'separator');
      separator.textContent = formatDay(message.ts);
      items.push(separator);
    }
    items.push(this._messageElement(message, previous?.dataset.day === day ? previous : null));
    return items;
  }

  _messageElement(message, previous) {
    const item = document.createElement('li');
    item.className = 'msg';
    item.dataset.from = message.from;
    item.dataset.ts = String(message.ts);
    item.dataset.day = dayKey(message.ts);
    if (message.seq !== undefined) item.dataset.seq = String(message.seq);
    if (message.from === this.me) item.classList.add('own');
    else if (mentions(message.text ?? '', this.me)) item.classList.add('mentions-me');
    if (continuesGroup(previous, item)) item.classList.add('continued');

    const meta = document.createElement('div');
    meta.className = 'meta';
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = message.from;
    author.style.setProperty('--hue', String(nickHue(message.from)));
    const time = document.createElement('time');
    time.dateTime = new Date(message.ts).toISOString();
    time.title = formatFullTime(message.ts);
    time.textContent = formatTime(message.ts);
    meta.append(author, time);

    if (this.changeable) {
      // A pending copy has no seq yet: it shows its text (and the quote) but no actions.
      const state = messageState(message);
      item.append(meta);
      if (message.seq === undefined) {
        renderMessageParts(item, state, { me: this.me, quoteOf: (seq) => this.states.get(seq) ?? null, withActions: false });
      } else {
        this.states.set(message.seq, state);
        this.items.set(message.seq, item);
        this._renderParts(item, state);
      }
      return item;
    }
    if (message.seq !== undefined) this.dms.set(message.seq, { from: message.from, text: message.text ?? '' });
    const body = document.createElement('div');
    body.className = 'text';
    body.append(renderText(message.text, { mention: message.from === this.me ? null : this.me }));
    item.append(meta, body);
    return item;
  }
}

function continuesGroup(previous, item) {
  if (!previous || !previous.classList.contains('msg') || previous.classList.contains('pending')) {
    return false;
  }
  return (
    previous.dataset.from === item.dataset.from &&
    previous.dataset.day === item.dataset.day &&
    Number(item.dataset.ts) - Number(previous.dataset.ts) < GROUP_WINDOW_MS
  );
}

function lastMessageElement(list) {
  for (let item = list.lastElementChild; item; item = item.previousElementSibling) {
    if (item.classList.contains('msg') && !item.classList.contains('pending')) return item;
    if (item.classList.contains('day')) return item;
  }
  return null;
}

// A dm's seq counts within one pair of identities: a later guest under the same nick starts again
// at 1 in the same view, so dms are told apart by what they are, not by seq.
function messageKey(message) {
  if (message.seq !== undefined && message.to === undefined) return `seq:${message.seq}`;
  return `dm:${message.from}:${message.ts}:${message.text}`;
}

// A stable colour per nick, so a conversation is easy to follow at a glance.
export function nickHue(nick) {
  let hash = 0;
  for (const ch of nick) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}
