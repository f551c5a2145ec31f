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
export function describeError(err, { limits, nick, channel, to } = {}) {
  const code = err?.code;
  switch (code) {
    case 'nick_taken':
      return `The nickname “${nick}” is already in use. Pick another one.`;
    case 'nick_invalid':
      return 'A nickname is 1 to 32 letters, digits, “_” or “-”, with no spaces.';
    case 'unauthorized':
      return err.message && /required/.test(err.message)
        ? 'This server needs an access token for your nickname.'
        : 'The server did not accept this access token for that nickname.';
    case 'rate_limited':
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
    case 'too_many_channels':
      return 'You are in as many channels as the server allows. Leave one to join another.';
    case 'not_member':
      return channel ? `You are not in #${channel} (any more). Join it again to write there.` : 'You are not in that channel.';
    case 'no_such_user':
      return to ? `${to} is not online right now.` : 'That person is not online right now.';
    case 'no_such_channel':
      return channel ? `#${channel} has no history yet.` : 'That channel has no history yet.';
    case 'busy':
      return 'The server is busy. Your message was not sent; try again in a moment.';
    case 'unavailable':
      return 'The server cannot store messages right now. Try again in a moment.';
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

function sentence(text) {
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
