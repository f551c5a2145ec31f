// What the app's modules share: the page's elements by id, remembered settings, the state of
// this tab (who we are, the conversations), and the widgets made once by app.js.

export const $ = (id) => document.getElementById(id);

function jsonStore(area) {
  return {
    get(key, fallback) {
      try {
        const value = area().getItem(`parley.${key}`);
        return value === null ? fallback : JSON.parse(value);
      } catch {
        return fallback; // private mode or a mangled value: start fresh rather than fail
      }
    },
    set(key, value) {
      try {
        if (value === null || value === undefined) area().removeItem(`parley.${key}`);
        else area().setItem(`parley.${key}`, JSON.stringify(value));
      } catch {
        // Storage full or disabled: remembering is a convenience, not a requirement.
      }
    },
  };
}

// Kept across visits (localStorage) and kept for this tab only (sessionStorage).
export const storage = jsonStore(() => localStorage);
export const tabStorage = jsonStore(() => sessionStorage);

export const app = {
  client: null,
  me: null,
  account: false, // logged in to an account (welcome.account), not a guest
  admin: false, // one of the server's admins (welcome.admin)
  // An account or token user whose channels, read markers and conversations the server keeps
  // (welcome.channels is present): read-state.js. Guests count unread per tab.
  persistent: false,
  limits: null,
  welcomedOnce: false,
  replayIsNews: false, // DMs repeated by a welcome after a reconnect were missed, so unread
  conversations: new Map(),
  activeKey: null,
};

// Made by app.js: the message box, the connection banner and the notices.
export const ui = { composer: null, banner: null, notices: null };

export const scroller = $('messages');

export function active() {
  return app.conversations.get(app.activeKey) ?? null;
}

export function isActive(target) {
  return app.activeKey === target.key;
}

export function channelOf(name) {
  return app.conversations.get(`c:${name}`) ?? null;
}

// A small element with a class and text, the way every list here is built: text only ever
// reaches the page as text nodes.
export function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}
