// parley.js: a small client for Parley's v1 WebSocket protocol, with no UI.
//
// It owns one connection: says hello, keeps track of joined channels and the last seq seen in each,
// turns replies into promises, and survives network loss: it reconnects with exponential backoff and
// jitter, re-joins every channel with `since` so nothing is missed or shown twice, and holds what the
// user sends while offline in a bounded outbox. See docs/browser-client.md for the API.
//
// This file is the connection and the requests; channels, sending, accounts and message changes
// are mixed in from parley-channels.js, parley-sending.js, parley-accounts.js, parley-changes.js.

import { accountMethods } from './parley-accounts.js';
import { changeMethods } from './parley-changes.js';
import { channelMethods } from './parley-channels.js';
import { sendingMethods } from './parley-sending.js';
import { ParleyError, backoffDelay, deferred, defaultUrl, makeBucket } from './parley-support.js';

export { ParleyError, backoffDelay, defaultUrl, newMessageKey } from './parley-support.js';
export { login } from './parley-accounts.js';
export { applyChange, emojiProblem, messageState } from './parley-changes.js';

export const PROTOCOL_VERSION = 1;

const DEFAULTS = {
  token: undefined,
  // An account's password: sent in `hello` (or `register`, with `register: true`, on the first
  // connection only) until useToken() replaces it.
  password: undefined,
  register: false,
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
const FATAL_HELLO_CODES = new Set([
  'nick_invalid',
  'unauthorized',
  'bad_request',
  'nick_registered',
  'password_invalid',
]);

// Refusals that a person has to act on when they answer the very first hello; on a reconnect
// they pass (nick_taken: the server still holds our old connection).
const FATAL_FIRST_HELLO_CODES = new Set(['nick_taken', 'rate_limited', 'already_identified']);

// Close codes after which reconnecting would only repeat the mistake.
const NO_RECONNECT_CLOSE_CODES = new Set([1003, 1007, 1009]);

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
    const hello = this._helloFrame();
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
    const toRejoin = this._keptByServer(welcome, [...this._channels]);
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
    const fatal = FATAL_HELLO_CODES.has(code) || (firstTime && FATAL_FIRST_HELLO_CODES.has(code));
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
        // A say whose ack never came may still have landed; handle it like a lost connection
        // (it is sent again under its key after reconnecting).
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
      case 'edited':
      case 'deleted':
      case 'reaction':
        // Changes share the channel's seq with messages: ordered and de-duplicated the same way.
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
      case 'kicked':
        this._onKicked(frame);
        return;
      case 'topic':
      case 'role':
      case 'invited':
      case 'read':
        // Channel authority's events, and a read marker moved (by any page of the same user):
        // the commands that cause them are answered with `ok`.
        this._emit(frame.type, frame);
        return;
      default:
        if (id !== undefined) this._settle(id, null, frame);
    }
  }

  get channels() {
    return [...this._channels.keys()];
  }

  get outboxSize() {
    return this._outbox.length;
  }
}

Object.assign(ParleyClient.prototype, channelMethods, sendingMethods, accountMethods, changeMethods);
