// parley.js, messages that change: replying, editing, deleting and reacting, and the pure
// functions that fold the change events (`edited`, `deleted`, `reaction`) into a message's state.
// The commands are mixed into ParleyClient's prototype; messageState() and applyChange() are
// exported for whoever keeps messages (the app keeps one state per shown message).

import { ParleyError } from './parley-support.js';

// The change events share the channel's seq with messages: parley.js orders and de-duplicates
// them like messages, and emits each under its own type.
export const CHANGE_TYPES = new Set(['edited', 'deleted', 'reaction']);

export function isMessageEntry(entry) {
  return entry.type === undefined || entry.type === 'message';
}

// A message (live, or from a history page in its current state) as a state to apply changes to.
// reactions: Map emoji -> nicks in the order they reacted.
export function messageState(message) {
  const reactions = new Map();
  for (const [emoji, nicks] of Object.entries(message.reactions ?? {})) {
    if (Array.isArray(nicks) && nicks.length) reactions.set(emoji, [...nicks]);
  }
  return {
    channel: message.channel,
    seq: message.seq,
    from: message.from,
    ts: message.ts,
    text: message.deleted ? '' : (message.text ?? ''),
    replyTo: message.reply_to ?? null,
    editedTs: message.edited_ts ?? null,
    deleted: Boolean(message.deleted),
    deletedBy: null,
    reactions,
  };
}

// Applies one change event to `state` (whose seq is the event's target). Returns whether what a
// reader sees changed. Safe to apply twice and in any overlap with a history page's current
// state: reactions are set changes (on adds the nick if absent, off removes it if present), a
// deletion is final, and an edit of a deleted message (whose text storage has erased) is ignored.
export function applyChange(state, event) {
  if (!state || state.seq !== event.target) return false;
  switch (event.type) {
    case 'edited':
      if (state.deleted) return false;
      if (state.text === event.text && state.editedTs !== null) return false;
      state.text = event.text ?? '';
      state.editedTs = event.ts ?? Date.now();
      return true;
    case 'deleted':
      if (state.deleted) {
        state.deletedBy ??= event.by ?? null;
        return false;
      }
      state.deleted = true;
      state.deletedBy = event.by ?? null;
      state.text = '';
      state.reactions.clear(); // a deletion clears them, as the server does
      return true;
    case 'reaction':
      return state.deleted ? false : toggleReaction(state.reactions, event.emoji, event.from, event.on);
    default:
      return false;
  }
}

// Reactions are per nick, compared without case, as the server compares them.
export function sameNick(a, b) {
  return String(a).toLowerCase() === String(b).toLowerCase();
}

function toggleReaction(reactions, emoji, nick, on) {
  const nicks = reactions.get(emoji) ?? [];
  const index = nicks.findIndex((other) => sameNick(other, nick));
  if (on) {
    if (index !== -1) return false;
    reactions.set(emoji, [...nicks, nick]);
    return true;
  }
  if (index === -1) return false;
  nicks.splice(index, 1);
  if (nicks.length === 0) reactions.delete(emoji);
  return true;
}

// What the server accepts as a reaction: 1 to 32 bytes of UTF-8, no whitespace, no control
// characters. Returns an error sentence, or null.
export function emojiProblem(emoji) {
  const text = String(emoji ?? '');
  if (!text) return 'Pick or type an emoji.';
  if (/[\s\p{Cc}]/u.test(text)) return 'A reaction is one emoji, without spaces.';
  if (new TextEncoder().encode(text).length > 32) return 'That reaction is too long.';
  return null;
}

export const changeMethods = {
  // Resolves with { seq } of the `edited` event once the server stored it.
  edit(channel, seq, text) {
    const problem = this._checkText(text);
    if (problem) return Promise.reject(problem);
    return this._paced({ type: 'edit', channel, seq, text });
  },

  // Resolves with { seq } of the `deleted` event. Not paced: the server does not count deletes.
  deleteMessage(channel, seq) {
    return this._request({ type: 'delete', channel, seq });
  },

  // Resolves with the `ok` frame; it has no `seq` when nothing changed (already given, or not
  // given for unreact), and then no event follows.
  react(channel, seq, emoji) {
    const problem = emojiProblem(emoji);
    if (problem) return Promise.reject(new ParleyError('bad_request', problem));
    return this._paced({ type: 'react', channel, seq, emoji });
  },

  unreact(channel, seq, emoji) {
    return this._paced({ type: 'unreact', channel, seq, emoji });
  },

  // Edits and reactions count against the same rate as says: wait for the bucket rather than be
  // refused. Unlike a say they are not kept while offline (they reject with `offline`): a change
  // made blind to what happened meanwhile is better asked again.
  async _paced(frame) {
    if (!this._channels.has(frame.channel)) {
      throw new ParleyError('not_member', `Join #${frame.channel} first`);
    }
    const waitMs = this._bucket ? this._bucket.take() : 0;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    return this._request(frame);
  },
};
