// A bare WebSocket client speaking the v1 protocol from Node: the "other user" in tests that
// need exact control (seeding history, sending while the page is offline).

import WebSocket from 'ws';

// With `password` it logs in to that account; with `register: true` as well it creates it.
export async function connectRaw(wsUrl, nick, { password, register = false } = {}) {
  const socket = new WebSocket(wsUrl);
  const frames = [];
  const waiters = new Set();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const waiter of waiters) waiter.check(frame);
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });

  let nextId = 1;
  const client = {
    frames,
    // Resolves with the first frame (already received or future) matching `predicate`.
    waitFor(predicate, what = 'frame', timeoutMs = 20000) {
      const found = frames.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          check(frame) {
            if (!predicate(frame)) return;
            waiters.delete(waiter);
            clearTimeout(timer);
            resolve(frame);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    // For commands the server never answers, such as typing.
    send(frame) {
      socket.send(JSON.stringify(frame));
    },
    // Sends a command with an id; resolves with its reply, rejects on an error reply.
    async request(frame) {
      const id = `raw-${nextId++}`;
      socket.send(JSON.stringify({ ...frame, id }));
      const reply = await client.waitFor((f) => f.id === id, `reply to ${frame.type}`);
      if (reply.type === 'error') throw new Error(`${frame.type} failed: ${reply.code} ${reply.message}`);
      return reply;
    },
    join: (channel) => client.request({ type: 'join', channel }),
    // Retries a say refused as rate_limited, so seeding many messages works under any limits.
    async say(channel, text) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await client.request({ type: 'say', channel, text });
        } catch (err) {
          if (!/rate_limited|busy/.test(err.message) || attempt > 50) throw err;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    dm: (to, text) => client.request({ type: 'dm', to, text }),
    close() {
      socket.close(1000);
      return new Promise((resolve) => (socket.readyState === WebSocket.CLOSED ? resolve() : socket.once('close', resolve)));
    },
  };
  const identify = { type: register ? 'register' : 'hello', nick };
  if (password) identify.password = password;
  client.welcome = await client.request(identify);
  return client;
}
