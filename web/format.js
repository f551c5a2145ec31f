// Turning protocol data into what people read: safe text with links, times, error sentences.
// Nothing here ever builds HTML from strings; text only reaches the page as text nodes.

// Only web links become clickable: a `javascript:` or `data:` URL in a message must stay text.
const LINK_PATTERN = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+\.[^\s<>"']+/gi;

// Splits text into pieces: { text } for plain runs and { text, href } for links.
export function splitLinks(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(LINK_PATTERN)) {
    const raw = trimLink(match[0]);
    const href = safeHref(raw.startsWith('www.') ? `https://${raw}` : raw);
    if (!href) continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ text: raw, href });
    last = match.index + raw.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

// "See https://example.com/a." ends the sentence, not the link; but a link may end in its own
// closing paren, as in https://en.wikipedia.org/wiki/Mercury_(planet), so only unbalanced ones go.
function trimLink(raw) {
  let link = raw;
  for (;;) {
    const end = link.at(-1);
    if (/[.,;:!?'"»”’]/.test(end)) link = link.slice(0, -1);
    else if (end === ')' && count(link, '(') < count(link, ')')) link = link.slice(0, -1);
    else if (end === ']' && count(link, '[') < count(link, ']')) link = link.slice(0, -1);
    else return link;
  }
}

function count(s, ch) {
  return s.split(ch).length - 1;
}

export function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

// A fragment of text nodes and <a> elements, safe to insert anywhere.
export function renderText(text, { mention } = {}) {
  const fragment = document.createDocumentFragment();
  for (const piece of splitLinks(text)) {
    if (piece.href) {
      const link = document.createElement('a');
      link.href = piece.href;
      link.textContent = piece.text;
      link.target = '_blank';
      // noopener: the opened page cannot steer this tab; noreferrer: it does not learn our URL.
      link.rel = 'noopener noreferrer nofollow';
      fragment.append(link);
    } else if (mention) {
      appendWithMentions(fragment, piece.text, mention);
    } else {
      fragment.append(document.createTextNode(piece.text));
    }
  }
  return fragment;
}

function appendWithMentions(fragment, text, nick) {
  const pattern = new RegExp(`(^|[^A-Za-z0-9_-])(@?${escapeRegExp(nick)})(?![A-Za-z0-9_-])`, 'gi');
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index + match[1].length;
    if (start > last) fragment.append(document.createTextNode(text.slice(last, start)));
    const mark = document.createElement('mark');
    mark.className = 'mention';
    mark.textContent = match[2];
    fragment.append(mark);
    last = start + match[2].length;
  }
  if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
}

export function mentions(text, nick) {
  return new RegExp(`(^|[^A-Za-z0-9_-])@?${escapeRegExp(nick)}(?![A-Za-z0-9_-])`, 'i').test(text);
}

// A mention as the server counts it for an account's unread mentions: `@nick` standing as a word
// (no nick character or @ right before the @, no nick character right after the nick).
export function mentionsAt(text, nick) {
  return new RegExp(`(^|[^A-Za-z0-9_@-])@${escapeRegExp(nick)}(?![A-Za-z0-9_-])`, 'i').test(text ?? '');
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- time -----------------------------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
});
const dayWithYearFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

export function formatTime(ts) {
  return timeFormat.format(new Date(ts));
}

export function formatFullTime(ts) {
  return fullFormat.format(new Date(ts));
}

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function formatDay(ts, now = Date.now()) {
  if (dayKey(ts) === dayKey(now)) return 'Today';
  if (dayKey(ts) === dayKey(now - 86400000)) return 'Yesterday';
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return (sameYear ? dayFormat : dayWithYearFormat).format(new Date(ts));
}

// ---- people and errors ----------------------------------------------------------------------

export function typingSentence(nicks) {
  if (nicks.length === 0) return '';
  if (nicks.length === 1) return `${nicks[0]} is typing…`;
  if (nicks.length === 2) return `${nicks[0]} and ${nicks[1]} are typing…`;
  if (nicks.length === 3) return `${nicks[0]}, ${nicks[1]} and ${nicks[2]} are typing…`;
  return 'Several people are typing…';
}

export const NICK_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

// One sentence a person can act on, for every error code the server (or parley.js) can produce.
// `action` says what was tried (join, history, create, topic, invite, role, kick, ban, unban,
// mute, unmute, login, password, say, edit, delete, react) and `target` whom it was about, where
// the code alone is ambiguous.
export function describeError(err, { limits, nick, channel, to, action, target } = {}) {
  const code = err?.code;
  const where = channel ? `#${channel}` : 'that channel';
  switch (code) {
    case 'nick_taken':
      return action === 'signup'
        ? `The nickname “${nick}” is taken (registered already, or in use right now). Pick another one.`
        : `The nickname “${nick}” is already in use. Pick another one.`;
    case 'nick_registered':
      return `The nickname “${nick}” belongs to an account. Log in with its password, or pick another nickname.`;
    case 'nick_invalid':
      return 'A nickname is 1 to 32 letters, digits, “_” or “-”, with no spaces.';
    case 'password_invalid':
      return 'A password is 8 to 128 characters long.';
    case 'unauthorized':
      return unauthorized(err, action);
    case 'rate_limited':
      if (action === 'login' || /login/.test(err.message ?? '')) {
        return 'Too many failed logins. Wait a minute and try again.';
      }
      if (action === 'password') return 'Too many wrong passwords. Wait a minute and try again.';
      return limits?.rate_per_sec
        ? `You are sending too fast (the limit is ${limits.rate_per_sec} messages per second). Wait a moment and try again.`
        : 'You are sending too fast. Wait a moment and try again.';
    case 'text_invalid':
      if (err.limit) return `That message is too long: ${err.length} characters, the limit is ${err.limit}.`;
      if (limits?.max_text_chars && /long/i.test(err.message ?? '')) {
        return `That message is too long (the limit is ${limits.max_text_chars} characters).`;
      }
      return err.message && err.message !== code ? sentence(err.message) : 'That message cannot be sent.';
    case 'channel_invalid':
      return 'A channel name is 1 to 64 letters, digits, “_”, “-” or “.”, starting with a letter or digit.';
    case 'channel_exists':
      return `${where} exists already. Join it, or pick another name.`;
    case 'forbidden':
      return forbidden(err, { where, action, target });
    case 'banned':
      if (action === 'invite') return `${target ?? 'They'} are banned from ${where}. Lift the ban first.`;
      return `You are banned from ${where}.`;
    case 'muted':
      return `You are muted in ${where}: nothing you write there is sent.`;
    case 'too_many_channels':
      return 'You are in as many channels as the server allows. Leave one to join another.';
    case 'not_member':
      return channel ? `You are not in #${channel} (any more). Join it again to write there.` : 'You are not in that channel.';
    case 'no_such_user':
      return noSuchUser({ where, to, action, target });
    case 'no_such_message':
      return action === 'say'
        ? 'The message you replied to is gone (deleted, or no longer kept). Retry sends yours as a plain message.'
        : 'That message is gone: it was deleted, or is no longer kept.';
    case 'bad_request':
      if (action !== 'react') return err?.message ? sentence(err.message) : 'The server did not understand that.';
      return /20|distinct|many/i.test(err.message ?? '')
        ? 'That message has as many different reactions as it can take (20). Pick one of those.'
        : 'That cannot be a reaction: a reaction is one emoji.';
    case 'no_such_channel':
      return channel ? `#${channel} has no history yet.` : 'That channel has no history yet.';
    case 'busy':
      return action === 'say' || !action
        ? 'The server is busy. Your message was not sent; try again in a moment.'
        : 'The server is busy. Try again in a moment.';
    case 'unavailable':
      return 'The server cannot store that right now. Try again in a moment.';
    case 'outbox_full':
      return 'You are offline and have too many unsent messages. Wait for the connection to come back.';
    case 'timeout':
      return 'The server did not answer in time.';
    case 'offline':
    case 'disconnected':
      return 'You are offline. Try again when the connection is back.';
    default:
      return err?.message ? sentence(err.message) : 'Something went wrong.';
  }
}

function unauthorized(err, action) {
  const message = err.message ?? '';
  if (/required|needs an account/.test(message)) {
    return 'This server needs an account: log in with your password, or use an access token.';
  }
  if (action === 'login' || /wrong nick or password/.test(message)) return 'Wrong nickname or password.';
  if (action === 'password' || /old password/.test(message)) return 'Your current password is not right.';
  return 'The server did not accept this access token for that nickname.';
}

function forbidden(err, { where, action, target }) {
  switch (action) {
    case 'join':
      return `${where} is private: you need an invitation to join it.`;
    case 'history':
      return `${where} is private: only its members can read it.`;
    case 'create':
      return 'Only accounts can create channels. Sign up or log in first.';
    case 'edit':
      return 'You can only edit your own messages (from this account, or from this stay as a guest).';
    case 'delete':
      return `Only its author, the ops of ${where} and the server's admins can delete that message.`;
    case 'topic':
      return `Only the ops of ${where} can change its topic.`;
    case 'invite':
      return `Only the ops of ${where} can invite people.`;
    case 'role':
      return `Only the owner of ${where} can give or take the op role${target ? ` (and ${target} keeps theirs)` : ''}.`;
    case 'kick':
    case 'ban':
    case 'unban':
    case 'mute':
    case 'unmute':
      return /open channels/.test(err.message ?? '')
        ? `In an open channel like ${where}, only the server's admins can ${action}.`
        : `You cannot ${action} ${target ?? 'them'} in ${where}: only someone of a higher rank can.`;
    default:
      return err.message ? sentence(err.message) : 'You are not allowed to do that.';
  }
}

function noSuchUser({ where, to, action, target }) {
  switch (action) {
    case 'invite':
    case 'role':
      return `${target} has no account: only accounts can be ${action === 'invite' ? 'invited' : 'made ops'}.`;
    case 'kick':
    case 'mute':
      return `${target} is not in ${where}.`;
    case 'ban':
      return `There is nobody called ${target}.`;
    case 'unban':
      return `${target} is not banned in ${where}.`;
    case 'unmute':
      return `${target} is not muted in ${where}.`;
    default:
      return to ? `${to} is not online right now.` : 'That person is not online right now.';
  }
}

function sentence(text) {
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
