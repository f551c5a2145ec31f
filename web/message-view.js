// The list of messages of one conversation (a channel or a dm), as a DOM element the app swaps
// into the scroll area. Keeping one list per conversation means switching is instant and the
// scroll position of each is kept.

import { dayKey, formatDay, formatFullTime, formatTime, mentions, renderText } from './format.js';

// Messages of one author closer together than this share one header.
const GROUP_WINDOW_MS = 5 * 60 * 1000;

export class MessageView {
  constructor({ me, title }) {
    this.me = me;
    this.title = title;
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

  // Appends messages newer than everything shown. Returns how many were new.
  append(messages) {
    let added = 0;
    for (const message of messages) {
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
    return fresh.length;
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
    this.oldestSeq = null;
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

  // A message of ours the server has not confirmed yet.
  addPending(text) {
    const item = this._messageElement({ from: this.me, text, ts: Date.now() }, null);
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
    else if (mentions(message.text, this.me)) item.classList.add('mentions-me');
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

function messageKey(message) {
  if (message.seq !== undefined) return `seq:${message.seq}`;
  return `dm:${message.from}:${message.ts}:${message.text}`;
}

// A stable colour per nick, so a conversation is easy to follow at a glance.
export function nickHue(nick) {
  let hash = 0;
  for (const ch of nick) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}
