// parley.js, sending: say and dm go through a bounded outbox that survives a lost connection,
// is paced by the server's rate limit, and never delivers one message twice. Also the dms that
// arrive, which `welcome` repeats on every connect. Mixed into ParleyClient's prototype.
//
// Every message carries an idempotency key made when it enters the outbox. A message sent but not
// acknowledged when the connection dropped is sent again under the same key: the server answers a
// repeat with the first copy's seq (a dm's ts) and stores nothing, so it is never shown twice.

import { ParleyError, deferred, dmKey, newMessageKey } from './parley-support.js';

const MAX_KEY_CHARS = 64; // the server's limit for `key`

export const sendingMethods = {
  // Resolves with { seq } once the server has stored the message. `replyTo`: the seq of the
  // message in the same channel this one answers. `key`: to send again, under the same key, a
  // message whose earlier send failed (e.g. `unavailable`) but may have landed.
  say(channel, text, { replyTo, key } = {}) {
    if (!this._channels.has(channel)) {
      return Promise.reject(new ParleyError('not_member', `Join #${channel} before writing there`));
    }
    const frame = { type: 'say', channel, text };
    if (replyTo !== undefined && replyTo !== null) frame.reply_to = replyTo;
    return this._enqueue(frame, key);
  },

  // Resolves with the dm as shown to the sender (the server does not echo it to this connection).
  dm(to, text, { key } = {}) {
    return this._enqueue({ type: 'dm', to, text }, key);
  },

  _enqueue(frame, key = newMessageKey()) {
    const tooLong = this._checkText(frame.text);
    if (tooLong) return Promise.reject(tooLong);
    if (typeof key !== 'string' || !key || [...key].length > MAX_KEY_CHARS) {
      return Promise.reject(new ParleyError('bad_request', `key must be 1-${MAX_KEY_CHARS} characters`));
    }
    const waiting = this._outbox.length + [...this._pending.values()].filter((p) => p.entry).length;
    if (waiting >= this.options.outboxLimit) {
      return Promise.reject(
        new ParleyError('outbox_full', `Too many unsent messages (limit ${this.options.outboxLimit})`),
      );
    }
    const entry = { frame: { ...frame, key }, order: this._nextId++, ...deferred() };
    this._outbox.push(entry);
    this._flushOutbox();
    return entry.promise;
  },

  _checkText(text) {
    const max = this.limits?.max_text_chars;
    const chars = [...String(text)].length;
    if (!String(text).trim()) return new ParleyError('text_invalid', 'Message is empty');
    if (max && chars > max) {
      return new ParleyError('text_invalid', `Message is too long (${chars} of ${max} characters)`, {
        limit: max,
        length: chars,
      });
    }
    return null;
  },

  // Sends outbox entries in order, no faster than the rate the server announced, so a burst of
  // messages after a reconnect is not answered with rate_limited.
  _flushOutbox() {
    if (this.state !== 'open' || this._flushing) return;
    while (this._outbox.length) {
      const entry = this._outbox[0];
      if (entry.frame.type === 'say') {
        const channel = this._channels.get(entry.frame.channel);
        if (!channel) {
          this._outbox.shift();
          entry.reject(new ParleyError('not_member', `Not in #${entry.frame.channel} any more`));
          continue;
        }
        if (!channel.joined) {
          this._flushing = true; // its re-join is still on the way
          this._retryFlushSoon(100);
          return;
        }
      }
      const waitMs = this._bucket ? this._bucket.take() : 0;
      if (waitMs > 0) {
        this._flushing = true;
        this._retryFlushSoon(waitMs);
        return;
      }
      this._outbox.shift();
      this._request(entry.frame, entry);
      if (this.state !== 'open') return;
    }
  },

  _retryFlushSoon(ms) {
    clearTimeout(this._flushTimer);
    this._flushTimer = setTimeout(() => {
      this._flushing = false;
      this._flushOutbox();
    }, ms);
  },

  _finishSend(entry, reply) {
    if (entry.frame.type === 'say') {
      entry.resolve({ seq: reply.seq });
      return;
    }
    // The server does not echo a dm to the connection that sent it, so we emit it ourselves, with
    // the stored ts from the `ok`. A resent dm that had landed already was shown from welcome's
    // `dms` (the `ok` to the resend carries the first one's ts): it resolves without a second event.
    const sent = { type: 'dm', from: this.nick, to: entry.frame.to, text: entry.frame.text };
    sent.ts = reply.ts ?? Date.now();
    if (reply.seq !== undefined) sent.seq = reply.seq; // its place in the conversation
    if (reply.waiting) sent.waiting = true; // the recipient is offline: kept for their next login
    entry.resolve(sent);
    const key = dmKey(sent);
    if (this._seenDms.has(key)) return;
    this._rememberDm(key);
    this._emit('dm', { ...sent, fromHistory: false, own: true });
  },

  // Sent but unanswered says and dms go back to the front of the outbox, in their order, to be
  // sent again under their keys once reconnected (and, for a say, re-joined).
  _requeueInflight() {
    const requeued = [];
    for (const [id, pending] of this._pending) {
      clearTimeout(pending.timer);
      if (pending.entry) {
        requeued.push(pending.entry);
      } else {
        pending.waiter.reject(new ParleyError('disconnected', 'The connection was lost'));
      }
      this._pending.delete(id);
    }
    requeued.sort((a, b) => a.order - b.order);
    this._outbox.unshift(...requeued);
  },

  // Unsent messages for a channel we are no longer in (left, kicked) fail with `error`.
  _dropChannelSends(channel, error) {
    for (const entry of this._outbox.filter((e) => e.frame.channel === channel)) {
      this._outbox.splice(this._outbox.indexOf(entry), 1);
      entry.reject(error);
    }
  },

  // A page of the conversation with `nick`, ascending: before `before` (the newest page without
  // it), or after `since` (at most the server's since cap, the newest, with `gap: true` when more
  // were there). Resolves with { messages, gap }.
  async conversation(nick, { before, since, limit = 50 } = {}) {
    const frame = { type: 'history', with: nick };
    if (since !== undefined && since !== null) frame.since = since;
    else frame.limit = limit;
    if (before !== undefined && before !== null) frame.before = before;
    const reply = await this._request(frame);
    return { messages: reply.messages ?? [], gap: Boolean(reply.gap) };
  },

  _onDm(dm, fromHistory) {
    const key = dmKey(dm);
    if (this._seenDms.has(key)) return;
    this._rememberDm(key);
    this._emit('dm', { ...dm, fromHistory });
  },

  _rememberDm(key) {
    this._seenDms.add(key);
    // Bounded so a long-lived tab does not grow without limit; the oldest keys go first.
    if (this._seenDms.size > 2000) this._seenDms.delete(this._seenDms.values().next().value);
  },

  // `welcome` repeats recent DMs on every connect; only the ones we have not shown are news. Our
  // own sent dms were remembered with the ts of their `ok`, which is the stored one.
  _replayDms(dms) {
    for (const dm of dms) this._onDm(dm, true);
  },
};
