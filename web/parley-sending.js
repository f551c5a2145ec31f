// parley.js, sending: say and dm go through a bounded outbox that survives a lost connection,
// is paced by the server's rate limit, and never delivers one message twice. Also the dms that
// arrive, which `welcome` repeats on every connect. Mixed into ParleyClient's prototype.

import { ParleyError, deferred, dmKey, ownDmKey } from './parley-support.js';

export const sendingMethods = {
  // Resolves with { seq } once the server has stored the message. `replyTo`: the seq of the
  // message in the same channel this one answers.
  say(channel, text, { replyTo } = {}) {
    if (!this._channels.has(channel)) {
      return Promise.reject(new ParleyError('not_member', `Join #${channel} before writing there`));
    }
    const frame = { type: 'say', channel, text };
    if (replyTo !== undefined && replyTo !== null) frame.reply_to = replyTo;
    return this._enqueue(frame);
  },

  // Resolves with the dm as shown to the sender (the server does not echo it to this connection).
  dm(to, text) {
    return this._enqueue({ type: 'dm', to, text });
  },

  _enqueue(frame) {
    const tooLong = this._checkText(frame.text);
    if (tooLong) return Promise.reject(tooLong);
    const waiting = this._outbox.length + [...this._pending.values()].filter((p) => p.entry).length;
    if (waiting >= this.options.outboxLimit) {
      return Promise.reject(
        new ParleyError('outbox_full', `Too many unsent messages (limit ${this.options.outboxLimit})`),
      );
    }
    const entry = { frame, order: this._nextId++, maybeDelivered: false, ...deferred() };
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
      entry.maybeDelivered = false;
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
    // The server does not echo a dm to the connection that sent it, so we emit it ourselves. A
    // dm matched in welcome's replay carries the server's ts; a fresh ack does not.
    const fromHistory = reply.ts !== undefined;
    const sent = { type: 'dm', from: this.nick, to: entry.frame.to, text: entry.frame.text };
    sent.ts = fromHistory ? reply.ts : Date.now();
    if (!fromHistory) this._countOwnEcho(ownDmKey(sent));
    entry.resolve(sent);
    this._emit('dm', { ...sent, fromHistory, own: true });
  },

  // Own dms shown with a local ts, so the copy in the next welcome's `dms` is not shown again.
  _countOwnEcho(key) {
    this._ownDmEchoes.set(key, (this._ownDmEchoes.get(key) ?? 0) + 1);
    if (this._ownDmEchoes.size > 2000) {
      this._ownDmEchoes.delete(this._ownDmEchoes.keys().next().value);
    }
  },

  // Sent but unanswered says and dms go back to the front of the outbox, flagged: after the
  // re-join we look for them in the channel's history before sending them again.
  _requeueInflight() {
    const requeued = [];
    for (const [id, pending] of this._pending) {
      clearTimeout(pending.timer);
      if (pending.entry) {
        pending.entry.maybeDelivered = true;
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

  _matchMaybeDelivered(sameTarget, frame, result) {
    if (frame.from !== this.nick) return false;
    const index = this._outbox.findIndex(
      (entry) => entry.maybeDelivered && sameTarget(entry) && entry.frame.text === frame.text,
    );
    if (index === -1) return false;
    const [entry] = this._outbox.splice(index, 1);
    this._finishSend(entry, result);
    return true;
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
  // own sent DMs were shown with a local timestamp, so they are matched by sender, peer and text.
  _replayDms(dms) {
    for (const dm of dms) {
      if (dm.from === this.nick) {
        const matched = this._matchMaybeDelivered(
          (entry) => entry.frame.type === 'dm' && entry.frame.to === dm.to,
          dm,
          {},
        );
        const echoKey = ownDmKey(dm);
        const echoes = this._ownDmEchoes.get(echoKey) ?? 0;
        if (!matched && echoes > 0) {
          if (echoes === 1) this._ownDmEchoes.delete(echoKey);
          else this._ownDmEchoes.set(echoKey, echoes - 1);
        }
        if (matched || echoes > 0) {
          this._rememberDm(dmKey(dm));
          continue;
        }
      }
      this._onDm(dm, true);
    }
  },
};
