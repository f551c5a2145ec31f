// A WebSocket relay between a client and the real server that a test can cut, to reproduce a
// network that fails at the worst moment: a frame that reached the server whose answer never
// comes back, or a frame still on its way when the client has given up on the connection.
//
//   const proxy = await startProxy(server.wsUrl);   connect the client to proxy.url
//   proxy.onClientFrame = (frame, link) => true     to take over a frame (forward it, or not)
//   link.forward(frame)  link.mute()  link.cut({ keepUpstream })  link.fromServer

import WebSocket, { WebSocketServer } from 'ws';

export async function startProxy(targetUrl) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const links = new Set();
  const proxy = {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    links,
    // Sees every frame the client sends; returning true means the test handled it.
    onClientFrame: () => false,
    async close() {
      for (const link of links) link.cut();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
  wss.on('connection', (client) => {
    const link = makeLink(client, new WebSocket(targetUrl));
    links.add(link);
    client.on('close', () => links.delete(link));
    client.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (!proxy.onClientFrame(frame, link)) link.forward(frame);
    });
  });
  return proxy;
}

function makeLink(client, upstream) {
  const ready = new Promise((resolve, reject) => {
    upstream.once('open', resolve);
    upstream.once('error', reject);
  });
  ready.catch(() => client.terminate());
  const link = {
    muted: false,
    // What the server sent on this link, including what a muted link kept from the client.
    fromServer: [],
    async forward(frame) {
      await ready;
      upstream.send(JSON.stringify(frame));
    },
    // From now on nothing the server sends reaches the client.
    mute() {
      link.muted = true;
    },
    // Drops the client's connection at once (no close handshake, as when the network goes). With
    // keepUpstream the server's side stays open: the server has not noticed anything yet.
    cut({ keepUpstream = false } = {}) {
      link.muted = true;
      client.terminate();
      if (!keepUpstream) upstream.terminate();
    },
    closeUpstream() {
      upstream.terminate();
    },
  };
  upstream.on('message', (data) => {
    link.fromServer.push(JSON.parse(String(data)));
    if (!link.muted && client.readyState === WebSocket.OPEN) client.send(String(data));
  });
  upstream.on('close', () => client.terminate());
  return link;
}
