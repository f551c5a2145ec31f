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

// The scripts of a Redis Cluster layout (redis/keys.hpp), where a script may touch the keys of
// one slot only: each call above that spans a channel's slot and {home} is split into steps,
// one script per slot (the order is explained in redis_user_state_cluster.cpp). Each starts
// with `#!lua` (Redis 7), so Redis refuses any key it touches outside keys[0]'s slot, declared
// or not, instead of only the declared ones.
namespace cluster {

// {home}. KEYS and ARGV as load()'s. Records the user, then returns {channels, conversations}:
// each channel {name, read seq} in join order, the conversations as load()'s.
const redis::Script& load_home();

// The channel's slot. KEYS: seq, log, live, the user's own and mentions seqs. ARGV: channel,
// read seq, count cap. Returns {name, last seq, read seq, unread, mentions} (load()'s row).
const redis::Script& channel_counts();

// The channel's slot. KEYS: the user's keeps flag, the channel's seq. ARGV: channel.
// Sets the flag (the append script notes mentions and own messages from now on) and returns
// the channel's last seq.
const redis::Script& keep_flag();

// {home}. KEYS: user, kept, marks. ARGV: channel, most channels, marker for a new channel.
// Returns 1 when kept (now or already), 0 when the list is full.
const redis::Script& keep_home();

// The channel's slot. KEYS: the user's keeps flag, mentions and own seqs of the channel.
const redis::Script& drop_channel_part();

// {home}. KEYS: kept, marks. ARGV: channel.
const redis::Script& drop_home();

// {home}. KEYS: marks. ARGV: channel, seq, the channel's last seq, the user's events (pub/sub),
// event prefix, event suffix. Returns mark_channel()'s answers.
const redis::Script& mark_home();

// The channel's slot. KEYS: the user's mentions and own seqs of the channel. ARGV: seq.
// Forgets those up to seq (the marker's now).
const redis::Script& trim();

}  // namespace cluster

}  // namespace parley::storage::user_state_scripts
