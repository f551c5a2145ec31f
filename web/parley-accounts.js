// parley.js, accounts and channel authority: trading a password for a token over HTTP, the
// commands of registered channels (create, topic, roles, invitations, kick, ban, mute), and the
// events they cause. Mixed into ParleyClient's prototype, apart from login().

import { ParleyError, defaultUrl, httpUrlFor } from './parley-support.js';

// POST /api/login: a password for a token, so that a client keeps (and reconnects with) the
// token instead of the password. Resolves with { nick, token, expires_at } (seconds since the
// epoch); `nick` is the account's own spelling, which `hello` must use with the token.
export async function login({ nick, password, url = defaultUrl(), fetch: fetchImpl = globalThis.fetch } = {}) {
  let response;
  try {
    response = await fetchImpl(httpUrlFor(url, '/api/login'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nick, password }),
    });
  } catch (err) {
    throw new ParleyError('offline', `The server could not be reached (${err.message ?? err})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // An answer that is not JSON (a proxy's error page): the status says enough.
  }
  if (response.ok && body?.token) return body;
  const code = body?.error?.code ?? statusCode(response.status);
  throw new ParleyError(code, body?.error?.message ?? `Login failed (HTTP ${response.status})`, {
    status: response.status,
  });
}

function statusCode(status) {
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status === 400) return 'bad_request';
  return 'unavailable';
}

export const accountMethods = {
  // From now on (re)connect with this token, never with a password: after `register`, or when a
  // token is renewed.
  useToken(token) {
    this.options.token = token;
    this.options.password = undefined;
    this.options.register = false;
  },

  // The frame that identifies us: register once, then a token, a password, or a guest's nick.
  _helloFrame() {
    const { token, password, register } = this.options;
    if (register && password && !this._everWelcomed) {
      return { type: 'register', nick: this.nick, password };
    }
    const hello = { type: 'hello', nick: this.nick };
    if (token) hello.token = token;
    else if (password) hello.password = password;
    else if (this.resume) hello.resume = this.resume;
    return hello;
  },

  async changePassword(oldPassword, newPassword) {
    const reply = await this._request({ type: 'password', old: oldPassword, new: newPassword });
    // A client still logging in with its password (no token yet) reconnects with the new one.
    if (this.options.password !== undefined) this.options.password = newPassword;
    return reply;
  },

  // A registered channel; we join it as its owner. Resolves like join().
  createChannel(channel, { private: isPrivate = false, topic } = {}) {
    if (this._channels.has(channel)) {
      return Promise.reject(new ParleyError('channel_exists', `You are in #${channel} already`));
    }
    if (this.state !== 'open') return Promise.reject(new ParleyError('offline', 'Not connected'));
    const frame = { type: 'create', channel, private: Boolean(isPrivate) };
    if (topic) frame.topic = topic;
    return this._joinNow(channel, this._channelState(channel), frame);
  },

  setTopic(channel, topic) {
    return this._request({ type: 'topic', channel, topic });
  },

  // role: 'op' or 'member'.
  setRole(channel, nick, role) {
    return this._request({ type: 'role', channel, nick, role });
  },

  invite(channel, nick) {
    return this._request({ type: 'invite', channel, nick });
  },

  kick(channel, nick, reason) {
    return this._sanction('kick', channel, nick, reason);
  },

  ban(channel, nick, reason) {
    return this._sanction('ban', channel, nick, reason);
  },

  unban(channel, nick) {
    return this._sanction('unban', channel, nick);
  },

  mute(channel, nick) {
    return this._sanction('mute', channel, nick);
  },

  unmute(channel, nick) {
    return this._sanction('unmute', channel, nick);
  },

  _sanction(type, channel, nick, reason) {
    const frame = { type, channel, nick };
    if (reason) frame.reason = reason;
    return this._request(frame);
  },

  // Removed from a channel by an op: it is no longer ours, and must not be re-joined on a
  // reconnect (a private one would refuse us anyway).
  _onKicked(frame) {
    const reason = frame.reason ? `: ${frame.reason}` : '';
    this._forgetChannel(frame.channel, new ParleyError('kicked', `Removed from #${frame.channel} by ${frame.by}${reason}`));
    this._emit('kicked', frame);
  },
};
