#pragma once

#include <string>
#include <string_view>

// Every Redis key a Parley cluster uses. Scripts get the key names from here (as KEYS or, for
// keys a script finds as it goes, as a prefix in ARGV), so the layout lives in one place.
namespace parley::redis::keys {

// Pub/sub. A node subscribes to a channel's events while the channel has members there, and to
// a user's while the user is connected there; what concerns every node (a node gone, a change
// to a channel's authority, which any node may have cached) goes on the bus. The braces are a
// hash tag, the one a Redis Cluster routes by.
inline constexpr std::string_view bus = "parley:bus";
inline constexpr std::string_view user_events_prefix = "parley:user-events:{";
inline std::string channel_events(const std::string& channel) {
    return "parley:events:{" + channel + "}";
}
inline std::string user_events(const std::string& key) {
    return std::string(user_events_prefix) + key + "}";
}
// The user whose events come on `pubsub_channel`, or "" when it is not a user's.
inline std::string user_of_events(std::string_view pubsub_channel) {
    if (!pubsub_channel.starts_with(user_events_prefix) || !pubsub_channel.ends_with('}'))
        return "";
    pubsub_channel.remove_prefix(user_events_prefix.size());
    pubsub_channel.remove_suffix(1);
    return std::string(pubsub_channel);
}

inline constexpr std::string_view nodes = "parley:nodes";        // set: node ids seen
inline constexpr std::string_view node_prefix = "parley:node:";  // string with a TTL: alive

inline std::string node(const std::string& id) {
    return std::string(node_prefix) + id;
}
// Counter: the channel's last seq.
inline std::string seq(const std::string& channel) {
    return "parley:seq:" + channel;
}
// Stream: the channel's events, entry id `<seq>-0`.
inline std::string log(const std::string& channel) {
    return "parley:log:" + channel;
}
// Hash: the channel's messages' current state and its edits' texts (redis_channel_scripts.hpp).
inline std::string state(const std::string& channel) {
    return "parley:state:" + channel;
}
// String with a TTL: "<seq>:<ts>" of the first send under an idempotency key (a channel's, or
// for a dm its recipient's scope), for --idempotency-window.
inline std::string idempotency(const std::string& scope, const std::string& key) {
    return "parley:idem:" + scope + ":" + key;
}
// Hash: "<node>\t<nick>" -> 1 for every nick present in the channel on some node.
inline std::string members(const std::string& channel) {
    return "parley:members:" + channel;
}
// Hash: nick, auth, and "n:<node>" -> connections holding the nick on that node.
inline std::string nick(const std::string& key) {
    return "parley:nick:" + key;
}
// Stream: direct messages sent to or by the user.
inline std::string dms(const std::string& key) {
    return "parley:dms:" + key;
}

// A persistent user's state (storage/redis_user_state.hpp). Hash: nick (as last seen), id (its
// identity) and j (how many channels it has kept, which orders them); written at every login, so
// a dm to the user is kept while it is offline.
inline std::string user(const std::string& key) {
    return "parley:user:" + key;
}
// Sorted set: the channels the user keeps, scored in the order they were joined.
inline std::string kept(const std::string& key) {
    return "parley:kept:" + key;
}
// Hash: channel -> the user's read marker (a seq) in each kept channel.
inline std::string marks(const std::string& key) {
    return "parley:marks:" + key;
}
// Sorted set: the seqs of the channel's messages that mention the user (recorded by the append
// script while the user keeps the channel), after its marker.
inline std::string mentions(const std::string& key, const std::string& channel) {
    return "parley:mentions:" + key + ":" + channel;
}
// Sorted set: the seqs of the user's own messages in the channel, after its marker.
inline std::string own(const std::string& key, const std::string& channel) {
    return "parley:own:" + key + ":" + channel;
}
// Bitmap: bit <seq> is set while that seq is a live message of the channel (not a change, not
// deleted), so a range of them is counted without reading the stream.
inline std::string live(const std::string& channel) {
    return "parley:live:" + channel;
}
// Direct messages as conversations, keyed by identity (scripts build the names from these
// prefixes). Per pair of identities (the two in byte order, a tab between): a counter, the last
// seq, and a stream of its messages, entry id `<seq>-0`, fields f, to, t, ts, fi (sender's
// identity). Per identity: a hash, `p:<peer identity>` -> its record as JSON (n peer's nick as
// last seen, l last seq, r read seq, c the pair), and `k:<peer nick key>` -> the newest peer
// identity with that nick; and a sorted set of peer identities by the last dm's ts.
inline constexpr std::string_view conversation_seq_prefix = "parley:convseq:";
inline constexpr std::string_view conversation_prefix = "parley:conv:";
inline constexpr std::string_view conversations_prefix = "parley:convs:";
inline constexpr std::string_view conversation_order_prefix = "parley:convorder:";
inline std::string conversations(const std::string& identity) {
    return std::string(conversations_prefix) + identity;
}
inline std::string conversation_order(const std::string& identity) {
    return std::string(conversation_order_prefix) + identity;
}

// Hash: an account: nick, hash (Argon2id), created, tokens_after (Unix seconds).
inline std::string account(const std::string& key) {
    return "parley:account:" + key;
}
// Stream: channel events for the webhooks, one consumer group per endpoint
// (storage/redis_webhook_outbox.hpp); and an endpoint's lease: the node delivering to it.
inline constexpr std::string_view webhooks = "parley:webhooks";
inline std::string webhook_lease(const std::string& url) {
    return "parley:webhook-lease:" + url;
}
// Hash: server-wide settings, such as the key tokens are signed with.
inline constexpr std::string_view settings = "parley:settings";
// Hash: a channel's authority: registered, owner, private, topic.
inline std::string authority(const std::string& channel) {
    return "parley:authority:" + channel;
}
// Hash: "<kind>:<key>" -> value for the people with a standing in a channel (kind: role,
// invited, ban, mute).
inline std::string people(const std::string& channel) {
    return "parley:people:" + channel;
}

// A Lua function for scripts that read a nick's hash: nick_holders(key, node_prefix, self)
// returns the connections holding the nick on live nodes, its nick and its auth flag, and
// removes the holders whose node is dead (no key under node_prefix).
inline constexpr std::string_view nick_holders_lua = R"lua(
local function nick_holders(key, node_prefix, self)
  local fields = redis.call('HGETALL', key)
  local holders, nick, auth = 0, nil, '0'
  for i = 1, #fields, 2 do
    local field = fields[i]
    if field == 'nick' then
      nick = fields[i + 1]
    elseif field == 'auth' then
      auth = fields[i + 1]
    elseif string.sub(field, 1, 2) == 'n:' then
      local node = string.sub(field, 3)
      if node == self or redis.call('EXISTS', node_prefix .. node) == 1 then
        holders = holders + 1
      else
        redis.call('HDEL', key, field)
      end
    end
  end
  return holders, nick, auth
end
)lua";

}  // namespace parley::redis::keys
