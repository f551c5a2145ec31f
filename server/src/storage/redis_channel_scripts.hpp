#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/message.hpp"
#include "redis/client.hpp"
#include "storage/history.hpp"

// The Lua scripts that keep a channel's events in Redis, and how their answers read back.
//
// Layout, per channel (keys from redis/keys.hpp):
//   seq   counter: the channel's last seq
//   log   stream: every event, entry id `<seq>-0`, fields k (m, e, d or r), f (sender), ts; a
//         change adds g (its target), a reaction e (emoji) and o (1 given, 0 taken back).
//         Streams cannot be edited, so no text is kept here: entries from before the lifecycle
//         have no k and carry their text (t), and read as messages.
//   state hash: `<seq>` -> a message's current state as JSON (t text, ts, f, a author, r reply_to,
//         et edited at, d deleted, x reactions as [[emoji, [nicks]]], es its edits' seqs), and
//         `e<seq>` -> an edit's text. A deletion erases the text and its edits' texts here.
// Each script runs atomically, so a change is checked against the state it updates, and the
// seq order is the order every node hears of events in.
namespace parley::storage::redis_scripts {

// KEYS: seq, log, state, idempotency key. ARGV: maxlen, from, text, ts, event prefix, event
// suffix, the channel's events (pub/sub), author, reply_to, idempotency window in ms (0: no key),
// bot (1/0), the channel, most seqs kept per user and channel, the channel's live bitmap, the
// sender's marks and own seqs of the channel ('' and '': not a persistent user), how many users the
// text mentions, then for each the user's marks and its mentions of the channel (redis/keys.hpp):
// the seq's live bit is set, and a sender or mentioned user who keeps the channel gets the seq
// noted. Returns the seq; "no_such_message" for a reply to a message that is not live; or
// "repeated:<seq>:<ts>" when the idempotency key was used within the window (nothing stored).
const redis::Script& append();

// KEYS: seq, log, state. ARGV: maxlen, kind (e, d or r), target, from, author, text, emoji,
// on (1/0), ts, may delete any (1/0), event prefix, event suffix, the channel's events (pub/sub),
// most reactions per message, the channel's live bitmap (a deletion clears the target's bit).
// Returns the seq, or one of the strings "no_such_message", "forbidden", "unchanged",
// "too_many_reactions".
const redis::Script& change();

// KEYS: seq, log, state. ARGV: mode (recent, since, before), position, limit.
// Returns {head seq, rows newest first, id of the oldest entry kept or ''}. A page (recent,
// before) holds `limit` messages; a since read every event. Each row: {id, k, f, text, ts, g,
// e, o, state}.
const redis::Script& read();

// The first send's seq and ts, when a script answered that its key repeats one.
std::optional<std::pair<std::int64_t, std::int64_t>> repeated_of(const std::string& answer);
// What a script's refusal string means.
Refusal refusal_of(const std::string& answer);

// The rows of read(), newest first, as events oldest first.
std::vector<model::ChatMessage> events_of(const std::string& channel, const redis::Value& rows);

}  // namespace parley::storage::redis_scripts
