// parley.js, channels: joining (and re-joining with `since` after a reconnect, so nothing is
// missed or shown twice), leaving, reading history, and the messages that arrive. Mixed into
// ParleyClient's prototype.

import { ParleyError, deferred } from './parley-support.js';
import { isMessageEntry } from './parley-changes.js';

export const channelMethods = {
  lastSeq(channel) {
    return this._channels.get(channel)?.lastSeq ?? null;
  },

  // Resolves with the `joined` frame. While offline the join is remembered and resolves once the
  // connection is back.
  join(channel) {
    const state = this._channelState(channel);
    if (state.joined) return Promise.resolve({ type: 'joined', channel, history: [], rejoin: false });
    if (this.state !== 'open') {
      const waiter = deferred();
      state.waiters.push(waiter);
      return waiter.promise;
    }
    return this._joinNow(channel, state);
  },

  _channelState(channel) {
    let state = this._channels.get(channel);
    if (!state) {
      state = { lastSeq: null, joined: false, joining: null, waiters: [], early: [] };
      this._channels.set(channel, state);
    }
    return state;
  },

  // One join per channel at a time: a second `join` would be answered with an empty history,
  // which would read as "this channel is empty".
  _joinNow(channel, state, frame = { type: 'join', channel }) {
    if (!state.joining) {
      state.joining = this._sendJoin(channel, state, frame).finally(() => {
        state.joining = null;
      });
    }
    return state.joining;
  },

  // `frame` is a join, or a `create`, which the server also answers with `joined`.
  async _sendJoin(channel, state, frame) {
    const rejoin = state.lastSeq !== null;
    if (rejoin) frame.since = state.lastSeq;
    let joined;
    try {
      joined = await this._request(frame);
    } catch (err) {
      // A refused join (bad name, too many channels, private) must not be retried on every
      // reconnect; a join lost to a dropped connection is retried by the re-join. A create lost
      // that way is not: whether it happened is unknown, and a join would make an open channel.
      const lost = err.code === 'disconnected' || err.code === 'offline' || err.code === 'timeout';
      if (!lost || frame.type === 'create') {
        if (this._channels.get(channel) === state) this._channels.delete(channel);
        for (const waiter of state.waiters.splice(0)) waiter.reject(err);
      }
      throw err;
    }
    if (this._channels.get(channel) !== state) return joined; // left meanwhile
    // With `gap` the server sends its newest page instead of everything after `since`; that
    // page replaces what we knew (it may even restart below our seq if the server lost its
    // data), so it is taken whole and the caller starts the channel over.
    const gap = Boolean(rejoin && joined.gap);
    const history = (joined.history ?? []).filter(
      (message) => gap || state.lastSeq === null || message.seq > state.lastSeq,
    );
    if (history.length) state.lastSeq = history[history.length - 1].seq;
    else if (state.lastSeq === null || gap) state.lastSeq = 0;
    state.joined = true;
    const detail = { ...joined, history, rejoin };
    this._emit('joined', detail);
    for (const message of state.early.splice(0)) this._onMessage(message);
    for (const waiter of state.waiters.splice(0)) waiter.resolve(detail);
    return detail;
  },

  // A refused re-join is reported as an `error` event naming the channel (err.channel): the
  // channel may have turned us away while we were gone (a ban, a private channel that dropped us).
  async _rejoinAll(channels) {
    const joins = channels.map(([name, state]) =>
      this._joinNow(name, state).catch((err) => {
        err.channel ??= name;
        this._emit('error', err);
      }),
    );
    await Promise.all(joins);
  },

  // An account's (or token user's) welcome lists the channels the server keeps for it. One we had
  // joined that is not listed was left on another page, or we were removed while away: joining it
  // again would put it back on the list, so it is forgotten instead and reported as `unlisted`.
  // A join that never got through (lastSeq null) is still wanted.
  _keptByServer(welcome, channels) {
    if (!Array.isArray(welcome.channels)) return channels;
    const listed = new Set(welcome.channels.map((entry) => entry.channel));
    return channels.filter(([name, state]) => {
      if (listed.has(name) || state.lastSeq === null) return true;
      this._forgetChannel(name, new ParleyError('left', `No longer in #${name}`));
      this._emit('unlisted', { channel: name });
      return false;
    });
  },

  // Moves the user's read marker of a channel ({channel}) or a conversation ({with: nick}) forward
  // to `seq`. Resolves with the `ok`; every connection of the user, this one too, then gets a
  // `read` event (none when the marker was already there). Accounts and token users only.
  markRead(target, seq) {
    const frame = { type: 'mark_read', seq };
    if (target.channel !== undefined) frame.channel = target.channel;
    else frame.with = target.with;
    return this._request(frame);
  },

  async leave(channel) {
    const state = this._forgetChannel(channel, new ParleyError('left', `Left #${channel}`));
    if (this.state !== 'open' || !state) return { type: 'left', channel };
    try {
      return await this._request({ type: 'leave', channel });
    } catch (err) {
      if (err.code === 'not_member') return { type: 'left', channel }; // our join never landed
      throw err;
    }
  },

  // No longer in `channel`: nothing waits for it, nothing is sent to it, no re-join.
  _forgetChannel(channel, error) {
    const state = this._channels.get(channel);
    this._channels.delete(channel);
    for (const waiter of state?.waiters.splice(0) ?? []) waiter.reject(error);
    this._dropChannelSends(channel, error);
    return state;
  },

  // Resolves with the messages before `before` (ascending), each in its current state (edited
  // text and edited_ts, deleted, reactions); an empty list means the beginning.
  async history(channel, { before, limit = 50 } = {}) {
    const frame = { type: 'history', channel, limit };
    if (before !== undefined && before !== null) frame.before = before;
    const reply = await this._request(frame);
    return reply.messages ?? [];
  },

  who(channel) {
    return this._request({ type: 'who', channel });
  },

  async listChannels() {
    const reply = await this._request({ type: 'channels' });
    return reply.channels ?? [];
  },

  // Fire and forget: the server relays it to the channel and never answers.
  typing(channel) {
    if (this.state === 'open') this._send({ type: 'typing', channel });
  },

  _onMessage(message) {
    const channel = this._channels.get(message.channel);
    if (!channel) return; // a straggler from a channel we just left
    if (!channel.joined) {
      // A live message can overtake the `joined` reply (whose history is read from storage);
      // applying it first would make us drop that older history as already seen.
      channel.early.push(message);
      return;
    }
    // Re-joining with `since` can overlap with what we already showed; seq tells us. Change
    // events (edited, deleted, reaction) take seqs from the same sequence, so they count too.
    if (channel.lastSeq !== null && message.seq <= channel.lastSeq) return;
    channel.lastSeq = message.seq;
    if (!isMessageEntry(message)) {
      this._emit(message.type, message);
      return;
    }
    this._emit('message', message);
  },
};
