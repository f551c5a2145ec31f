// parley.js: a small client for Parley's v1 WebSocket protocol, with no UI.
//
// It owns one connection: says hello, keeps track of joined channels and the last seq seen in each,
// turns replies into promises, and survives network loss: it reconnects with exponential backoff and
// jitter, re-joins every channel with `since` so nothing is missed or shown twice, and holds what the
// user sends while offline in a bounded outbox. See docs/browser-client.md for the API.

export const PROTOCOL_VERSION = 1;

const DEFAULTS = {
  token: undefined,
  resume: undefined,
  reconnect: true,
  backoffBaseMs: 500,
  backoffMaxMs: 15000,
  outboxLimit: 100,
  requestTimeoutMs: 15000,
  heartbeatMs: 25000,
  WebSocket: globalThis.WebSocket,
};

// Replies we can only get when the server is confused by us, or refuses us for good: retrying the
// same hello would get the same answer.
const FATAL_HELLO_CODES = new Set(['nick_invalid', 'unauthorized', 'bad_request']);

// Close codes after which reconnecting would only repeat the mistake.
const NO_RECONNECT_CLOSE_CODES = new Set([1003, 1007, 1009]);

export class ParleyError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = 'ParleyError';
    this.code = code;
    Object.assign(this, details);
  }
}

export function defaultUrl(location = globalThis.location) {
  const url = new URL('/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class ParleyClient {
  constructor({ url = defaultUrl(), nick, ...options } = {}) {
    if (!nick) throw new TypeError('ParleyClient needs a nick');
    this.url = url;
    this.nick = nick;
    this.options = { ...DEFAULTS, ...options };
    this.state = 'idle';
    this.welcome = null;
    this.limits = null;
    // A guest's resume id: sent with every hello so a reconnect continues the same stay under the
    // nick and gets its direct messages back (the server gives one in each guest's welcome).
    this.resume = this.options.resume;

    this._listeners = new Map();
    this._socket = null;
    this._nextId = 1;
    this._pending = new Map(); // request id -> { waiter | entry, timer }
    // name -> { lastSeq: number|null, joined: boolean, waiters: [], early: [] }
    this._channels = new Map();
    this._outbox = []; // says and dms not yet on the wire, oldest first
    this._attempt = 0;
    this._reconnectTimer = null;
    this._heartbeatTimer = null;
    this._closedByUser = false;
    this._everWelcomed = false;
    this._connectWaiter = null;
    this._seenDms = new Set();
    this._ownDmEchoes = new Map(); // own sent dms shown with a local ts: key -> how many
    this._bucket = null;
    this._flushTimer = null;
    this._flushing = false;
    this._onOnline = () => {
      if (this.state === 'reconnecting') this._reconnectNow();
    };
  }

  // ---- events -------------------------------------------------------------------------------

  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    this._listeners.get(type)?.delete(listener);
  }

  _emit(type, detail) {
    for (const listener of this._listeners.get(type) ?? []) {
      try {
        listener(detail);
      } catch (err) {
        // One broken listener must not stop the others or the protocol state machine.
        console.error(`parley: "${type}" listener failed`, err);
      }
    }
  }

  _setState(state, extra = {}) {
    this.state = state;
    this._emit('state', { state, ...extra });
  }

  // ---- connection ---------------------------------------------------------------------------

  // Resolves with the `welcome` frame; rejects if the first hello is refused (e.g. nick_taken).
  connect() {
    if (this._connectWaiter) return this._connectWaiter.promise;
    this._closedByUser = false;
    this._connectWaiter = deferred();
    globalThis.addEventListener?.('online', this._onOnline);
    this._open();
    return this._connectWaiter.promise;
  }

  close() {
    this._closedByUser = true;
    globalThis.removeEventListener?.('online', this._onOnline);
    clearTimeout(this._reconnectTimer);
    this._stopHeartbeat();
    this._socket?.close(1000, 'bye');
    const err = new ParleyError('closed', 'The client was closed');
    this._connectWaiter?.reject(err);
    this._connectWaiter = null;
    this._failEverything(err);
    this._setState('closed');
  }

  _open() {
    const WebSocketImpl = this.options.WebSocket;
    const first = !this._everWelcomed && this._attempt === 0;
    this._setState(first ? 'connecting' : 'reconnecting', { attempt: this._attempt });
    let socket;
    try {
      socket = new WebSocketImpl(this.url);
    } catch (err) {
      this._afterDisconnect({ code: 1006, reason: String(err.message || err) });
      return;
    }
    this._socket = socket;
    socket.onopen = () => this._sayHello();
    socket.onmessage = (event) => this._receive(event.data);
    socket.onclose = (event) => {
      if (this._socket !== socket) return;
      this._socket = null;
      this._afterDisconnect({ code: event.code, reason: event.reason });
    };
    // The browser follows every error with a close event; that is where we act.
    socket.onerror = () => {};
  }

  async _sayHello() {
    const hello = { type: 'hello', nick: this.nick };
    if (this.options.token) hello.token = this.options.token;
    if (this.resume) hello.resume = this.resume;
    let welcome;
    try {
      welcome = await this._request(hello);
    } catch (err) {
      this._helloRefused(err);
      return;
    }
    this._attempt = 0;
    this.welcome = welcome;
    this.resume = welcome.resume ?? this.resume;
    this.nick = welcome.nick ?? this.nick;
    this.limits = welcome.limits ?? null;
    this._bucket = makeBucket(this.limits);
    const isReconnect = this._everWelcomed;
    this._everWelcomed = true;
    this._startHeartbeat();
    // Channels the app joins from its welcome listener are joined there; re-join only the rest.
    const toRejoin = [...this._channels];
    this._setState('open', { reconnected: isReconnect });
    this._emit('welcome', { ...welcome, reconnected: isReconnect });
    this._replayDms(welcome.dms ?? []);
    this._connectWaiter?.resolve(welcome);
    await this._rejoinAll(toRejoin);
    this._flushOutbox();
  }

  _helloRefused(err) {
    const firstTime = !this._everWelcomed;
    const code = err?.code;
    // The server may still hold our previous connection after a network drop (it has not noticed
    // yet), so nick_taken on a *re*connect is usually temporary: keep retrying.
    const fatal = FATAL_HELLO_CODES.has(code) || (firstTime && code === 'nick_taken');
    if (code === 'disconnected') return; // _afterDisconnect already scheduled the next attempt
    this._emit('error', err);
    if (fatal) {
      this._closedByUser = true;
      this._socket?.close(1000, 'hello refused');
      this._connectWaiter?.reject(err);
      this._connectWaiter = null;
      this._failEverything(err);
      this._setState('closed', { error: err });
    } else {
      this._socket?.close(1000, 'retry');
    }
  }

  _afterDisconnect({ code, reason }) {
    this._stopHeartbeat();
    clearTimeout(this._flushTimer);
    this._flushing = false;
    for (const channel of this._channels.values()) {
      channel.joined = false;
      channel.early = []; // the re-join's `since` brings these back
    }
    this._requeueInflight();
    if (this._closedByUser) return;
    if (!this.options.reconnect || NO_RECONNECT_CLOSE_CODES.has(code)) {
      const err = new ParleyError('disconnected', `Connection closed (${code})`, { closeCode: code });
      this._connectWaiter?.reject(err);
      this._connectWaiter = null;
      this._failEverything(err);
      this._setState('closed', { code, reason });
      return;
    }
    const delayMs = backoffDelay(this._attempt, this.options.backoffBaseMs, this.options.backoffMaxMs);
    this._attempt += 1;
    this._setState('reconnecting', { attempt: this._attempt, delayMs, code, reason });
    this._reconnectTimer = setTimeout(() => this._open(), delayMs);
  }

  // Skip the wait, e.g. when the user clicks "retry now" or the browser comes back online.
  reconnectNow() {
    if (this.state === 'reconnecting' && !this._socket) this._reconnectNow();
  }

  _reconnectNow() {
    if (this._socket) return;
    clearTimeout(this._reconnectTimer);
    this._open();
  }

  // A half-open TCP connection (laptop lid, train tunnel) is never reported by the browser; a
  // ping that goes unanswered is how we find out and reconnect.
  _startHeartbeat() {
    this._stopHeartbeat();
    if (!this.options.heartbeatMs) return;
    this._heartbeatTimer = setInterval(() => {
      this._request({ type: 'ping' }).catch((err) => {
        if (err.code === 'timeout') this._abandonSocket('heartbeat timeout');
      });
    }, this.options.heartbeatMs);
  }

  // Closing a dead connection politely can take the browser a long while (it waits for the
  // server's close frame), so we stop listening to it and move on at once.
  _abandonSocket(reason) {
    const socket = this._socket;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    this._socket = null;
    socket.close(4000, reason);
    this._afterDisconnect({ code: 4000, reason });
  }

  _stopHeartbeat() {
    clearInterval(this._heartbeatTimer);
    this._heartbeatTimer = null;
  }

  // ---- requests -----------------------------------------------------------------------------

  _send(frame) {
    if (!this._socket || this._socket.readyState !== 1) return false;
    this._socket.send(JSON.stringify(frame));
    return true;
  }

  // Sends a command with a fresh id and resolves with the reply that carries it. An outbox entry
  // (say, dm) is settled through _finishSend instead and survives a lost connection.
  _request(frame, entry = null) {
    const id = `${this._nextId++}`;
    const waiter = entry ? null : deferred();
    const timer = setTimeout(() => {
      this._pending.delete(id);
      if (entry) {
        // A say whose ack never came may still have landed; handle it like a lost connection.
        entry.maybeDelivered = true;
        this._outbox.unshift(entry);
        this._abandonSocket('request timeout');
      } else {
        waiter.reject(new ParleyError('timeout', `No reply to ${frame.type} in time`));
      }
    }, this.options.requestTimeoutMs);
    this._pending.set(id, { waiter, entry, timer });
    if (!this._send({ ...frame, id })) {
      clearTimeout(timer);
      this._pending.delete(id);
      if (entry) this._outbox.unshift(entry);
      else waiter.reject(new ParleyError('offline', 'Not connected'));
    }
    return waiter?.promise;
  }

  _settle(id, error, value) {
    const pending = this._pending.get(id);
    if (!pending) return false;
    this._pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.entry) {
      if (error) pending.entry.reject(error);
      else this._finishSend(pending.entry, value);
    } else if (error) {
      pending.waiter.reject(error);
    } else {
      pending.waiter.resolve(value);
    }
    return true;
  }

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
  }

  _failEverything(err) {
    for (const [id, pending] of this._pending) {
      clearTimeout(pending.timer);
      (pending.entry ?? pending.waiter).reject(err);
      this._pending.delete(id);
    }
    for (const entry of this._outbox.splice(0)) entry.reject(err);
    for (const channel of this._channels.values()) {
      for (const waiter of channel.waiters.splice(0)) waiter.reject(err);
    }
  }

  // ---- incoming frames ----------------------------------------------------------------------

  _receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // The server only sends JSON; anything else is not ours to interpret.
    }
    if (frame === null || typeof frame !== 'object') return;
    const id = frame.id === undefined ? undefined : String(frame.id);

    switch (frame.type) {
      case 'error': {
        const err = new ParleyError(frame.code, frame.message, { frame });
        if (id === undefined || !this._settle(id, err)) this._emit('error', err);
        return;
      }
      case 'message':
        this._onMessage(frame);
        return;
      case 'presence':
        this._emit('presence', frame);
        return;
      case 'typing':
        this._emit('typing', frame);
        return;
      case 'dm':
        this._onDm(frame, false);
        return;
      default:
        if (id !== undefined) this._settle(id, null, frame);
    }
  }

  _onMessage(message) {
    const channel = this._channels.get(message.channel);
    if (!channel) return; // a straggler from a channel we just left
    if (!channel.joined) {
      // A live message can overtake the `joined` reply (whose history is read from storage);
      // applying it first would make us drop that older history as already seen.
      channel.early.push(message);
      return;
    }
    // Re-joining with `since` can overlap with what we already showed; seq tells us.
    if (channel.lastSeq !== null && message.seq <= channel.lastSeq) return;
    channel.lastSeq = message.seq;
    this._matchMaybeDelivered(
      (entry) => entry.frame.type === 'say' && entry.frame.channel === message.channel,
      message,
      { seq: message.seq },
    );
    this._emit('message', message);
  }

  _onDm(dm, fromHistory) {
    const key = dmKey(dm);
    if (this._seenDms.has(key)) return;
    this._rememberDm(key);
    this._emit('dm', { ...dm, fromHistory });
  }

  _rememberDm(key) {
    this._seenDms.add(key);
    // Bounded so a long-lived tab does not grow without limit; the oldest keys go first.
    if (this._seenDms.size > 2000) this._seenDms.delete(this._seenDms.values().next().value);
  }

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
  }

  _matchMaybeDelivered(sameTarget, frame, result) {
    if (frame.from !== this.nick) return false;
    const index = this._outbox.findIndex(
      (entry) => entry.maybeDelivered && sameTarget(entry) && entry.frame.text === frame.text,
    );
    if (index === -1) return false;
    const [entry] = this._outbox.splice(index, 1);
    this._finishSend(entry, result);
    return true;
  }

  // ---- channels -----------------------------------------------------------------------------

  get channels() {
    return [...this._channels.keys()];
  }

  lastSeq(channel) {
    return this._channels.get(channel)?.lastSeq ?? null;
  }

  // Resolves with the `joined` frame. While offline the join is remembered and resolves once the
  // connection is back.
  join(channel) {
    let state = this._channels.get(channel);
    if (!state) {
      state = { lastSeq: null, joined: false, joining: null, waiters: [], early: [] };
      this._channels.set(channel, state);
    }
    if (state.joined) return Promise.resolve({ type: 'joined', channel, history: [], rejoin: false });
    if (this.state !== 'open') {
      const waiter = deferred();
      state.waiters.push(waiter);
      return waiter.promise;
    }
    return this._joinNow(channel, state);
  }

  // One join per channel at a time: a second `join` would be answered with an empty history,
  // which would read as "this channel is empty".
  _joinNow(channel, state) {
    if (!state.joining) {
      state.joining = this._sendJoin(channel, state).finally(() => {
        state.joining = null;
      });
    }
    return state.joining;
  }

  async _sendJoin(channel, state) {
    const frame = { type: 'join', channel };
    const rejoin = state.lastSeq !== null;
    if (rejoin) frame.since = state.lastSeq;
    let joined;
    try {
      joined = await this._request(frame);
    } catch (err) {
      // A refused join (bad name, too many channels) must not be retried on every reconnect;
      // a join lost to a dropped connection is retried by the re-join.
      if (err.code !== 'disconnected' && err.code !== 'offline' && err.code !== 'timeout') {
        this._channels.delete(channel);
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
    for (const message of history) {
      this._matchMaybeDelivered(
        (entry) => entry.frame.type === 'say' && entry.frame.channel === channel,
        message,
        { seq: message.seq },
      );
    }
    const detail = { ...joined, history, rejoin };
    this._emit('joined', detail);
    for (const message of state.early.splice(0)) this._onMessage(message);
    for (const waiter of state.waiters.splice(0)) waiter.resolve(detail);
    return detail;
  }

  async _rejoinAll(channels) {
    const joins = channels.map(([name, state]) =>
      this._joinNow(name, state).catch((err) => this._emit('error', err)),
    );
    await Promise.all(joins);
  }

  async leave(channel) {
    const state = this._channels.get(channel);
    this._channels.delete(channel);
    for (const waiter of state?.waiters.splice(0) ?? []) {
      waiter.reject(new ParleyError('left', `Left #${channel}`));
    }
    for (const entry of this._outbox.filter((e) => e.frame.channel === channel)) {
      this._outbox.splice(this._outbox.indexOf(entry), 1);
      entry.reject(new ParleyError('left', `Left #${channel}`));
    }
    if (this.state !== 'open' || !state) return { type: 'left', channel };
    try {
      return await this._request({ type: 'leave', channel });
    } catch (err) {
      if (err.code === 'not_member') return { type: 'left', channel }; // our join never landed
      throw err;
    }
  }

  // Resolves with the messages before `before` (ascending); an empty list means the beginning.
  async history(channel, { before, limit = 50 } = {}) {
    const frame = { type: 'history', channel, limit };
    if (before !== undefined && before !== null) frame.before = before;
    const reply = await this._request(frame);
    return reply.messages ?? [];
  }

  who(channel) {
    return this._request({ type: 'who', channel });
  }

  async listChannels() {
    const reply = await this._request({ type: 'channels' });
    return reply.channels ?? [];
  }

  // Fire and forget: the server relays it to the channel and never answers.
  typing(channel) {
    if (this.state === 'open') this._send({ type: 'typing', channel });
  }

  // ---- sending: say and dm ------------------------------------------------------------------

  // Resolves with { seq } once the server has stored the message.
  say(channel, text) {
    if (!this._channels.has(channel)) {
      return Promise.reject(new ParleyError('not_member', `Join #${channel} before writing there`));
    }
    return this._enqueue({ type: 'say', channel, text });
  }

  // Resolves with the dm as shown to the sender (the server does not echo it to this connection).
  dm(to, text) {
    return this._enqueue({ type: 'dm', to, text });
  }

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
  }

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
  }

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
  }

  _retryFlushSoon(ms) {
    clearTimeout(this._flushTimer);
    this._flushTimer = setTimeout(() => {
      this._flushing = false;
      this._flushOutbox();
    }, ms);
  }

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
  }

  // Own dms shown with a local ts, so the copy in the next welcome's `dms` is not shown again.
  _countOwnEcho(key) {
    this._ownDmEchoes.set(key, (this._ownDmEchoes.get(key) ?? 0) + 1);
    if (this._ownDmEchoes.size > 2000) {
      this._ownDmEchoes.delete(this._ownDmEchoes.keys().next().value);
    }
  }

  get outboxSize() {
    return this._outbox.length;
  }
}

// ---- helpers --------------------------------------------------------------------------------

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// "Equal jitter": half the exponential delay is fixed, half random, so a server restart is not
// met by every client at the same instant, yet nobody waits much longer than the curve says.
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

// A token bucket mirroring the server's rate limit; take() returns 0 when a send may go now, or
// how many milliseconds to wait.
function makeBucket(limits) {
  const rate = limits?.rate_per_sec;
  const burst = limits?.burst;
  if (!rate || !burst) return null;
  let tokens = burst;
  let last = Date.now();
  return {
    take() {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) / rate) * 1000);
    },
  };
}

function dmKey(dm) {
  return `${dm.from}\u0000${dm.to}\u0000${dm.ts}\u0000${dm.text}`;
}

function ownDmKey(dm) {
  return `own\u0000${dm.from}\u0000${dm.to}\u0000${dm.text}`;
}
