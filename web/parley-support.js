// Small pieces parley.js is built from: its error type, promises settled from outside, the
// reconnect backoff, the client's copy of the server's rate limit, keys for dms, and the
// idempotency keys messages are sent with.

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

// The HTTP address of `path` on the server a WebSocket URL points at (ws: → http:, wss: → https:).
export function httpUrlFor(wsUrl, path) {
  const url = new URL(path, wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.toString();
}

export function deferred() {
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
export function makeBucket(limits) {
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

// A dm as the client remembers it, to show it once. Nicks compare without case: the sender may
// write `to` in another case than the server stores it.
export function dmKey(dm) {
  return `${dm.from.toLowerCase()}\u0000${dm.to.toLowerCase()}\u0000${dm.ts}\u0000${dm.text}`;
}

// A message's idempotency key (the server takes 1-64 characters): 128 random bits in hex, so two
// messages never share one.
export function newMessageKey() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
