#pragma once

#include <string_view>

#include "redis/client.hpp"

// The Lua scripts of storage::RedisUserState (the layout is in redis/keys.hpp). Each runs
// atomically, so a marker is checked against the seq it is compared with, and the event that
// tells every node is published by the same step that stored it.
namespace parley::storage::user_state_scripts {

// Lua: pair_of(a, b), the two identities of a conversation in byte order with a tab between,
// the same whichever sent the message. Lua's `<` follows Redis's locale, so bytes are compared.
extern const std::string_view pair_lua;

// KEYS: user, kept, marks, conversations, conversation order (of the identity).
// ARGV: nick, identity, user key, most conversations, most stream entries read per
// conversation, count cap, seq prefix, log prefix, live prefix, the user's mentions prefix,
// conversation seq prefix, conversation prefix, the user's own prefix.
// Records the user (nick, id), then returns {channels, conversations}: each channel
// {name, last seq, read seq, unread, mentions} in join order, each conversation {peer nick,
// last seq, read seq, unread, last ts} newest first.
const redis::Script& load();

// KEYS: user, kept, marks, the channel's seq. ARGV: channel, most channels.
// Returns 1 when kept (now or already), 0 when the list is full.
const redis::Script& keep();

// KEYS: kept, marks, the user's mentions and own seqs of the channel. ARGV: channel.
const redis::Script& drop();

// KEYS: marks, the channel's seq, the user's mentions and own seqs of the channel. ARGV: channel,
// seq, the user's events (pub/sub),
// event prefix, event suffix. Returns "moved", "unchanged", "beyond_end" or "not_kept".
const redis::Script& mark_channel();

// KEYS: the identity's conversations. ARGV: peer nick key, seq, conversation seq prefix, the user's
// events (pub/sub), event prefix, event suffix. Returns {answer, peer nick} (answer as
// mark_channel's).
const redis::Script& mark_conversation();

// KEYS: the identity's conversations. ARGV: peer nick key, mode (recent, before, since),
// position, limit, conversation seq prefix, conversation prefix.
// Returns {last seq, entries newest first}; last seq 0 when there is no such conversation.
const redis::Script& page();

}  // namespace parley::storage::user_state_scripts
