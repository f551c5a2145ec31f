#pragma once

#include <string>
#include <string_view>

// Every Redis key a Parley cluster uses. Scripts get the key names from here (as KEYS or, for
// keys a script finds as it goes, as a prefix in ARGV), so the layout lives in one place.
//
// Two layouts. A single Redis keeps the one it always had, so an upgrade finds its data. A Redis
// Cluster gets hash tags (the text in the first braces is what a key's slot is computed from),
// because a script runs on one shard and may touch only the keys of one slot:
// - a channel's keys are tagged by the channel: its counter, stream, states, idempotency keys,
//   authority, people, live bits, and what the append script notes for its keepers (who keeps
//   it, their mentions and own messages in it). Channels, and so their traffic, spread over
//   the shards, and the append script (INCR + XADD + SPUBLISH) stays atomic.
// - everything else is tagged {home}: nodes, nicks, presence, users, accounts, dms and
//   conversations, read markers, settings, webhooks. A dm's script writes both users' and the
//   pair's keys and checks the recipient's nick against the live nodes in one step, so these
//   share one slot.
// The layout is chosen once at start-up, before any key is made, and never changes.
namespace parley::redis::keys {

enum class Layout { single, cluster };
inline Layout& layout_storage() {
    static Layout layout = Layout::single;
    return layout;
}
inline void set_layout(Layout layout) {
    layout_storage() = layout;
}
inline bool clustered() {
    return layout_storage() == Layout::cluster;
}

// "parley:<rest>", or in a cluster "parley:{home}:<rest>".
inline std::string home(std::string_view rest) {
    return (clustered() ? std::string("parley:{home}:") : std::string("parley:")) +
           std::string(rest);
}
// "parley:<kind>:<channel><rest>", or in a cluster "parley:<kind>:{<channel>}<rest>".
inline std::string of_channel(std::string_view kind, const std::string& channel,
                              std::string_view rest = {}) {
    std::string key = "parley:" + std::string(kind) + ":";
    key += clustered() ? "{" + channel + "}" : channel;
    key += rest;
    return key;
}

// Pub/sub. A node subscribes to a channel's events while the channel has members there, and to
// a user's while the user is connected there (sharded pub/sub: SSUBSCRIBE, SPUBLISH); what
// concerns every node (a node gone, a change to a channel's authority, which any node may have
// cached) goes on the bus, plain pub/sub, which a Redis Cluster hands to every node. A channel's
// events are in its slot, a user's in {home}: the scripts that store them publish them.
inline constexpr std::string_view bus = "parley:bus";
inline std::string channel_events(const std::string& channel) {
    return "parley:events:{" + channel + "}";
}
inline std::string user_events_prefix() {
    return clustered() ? home("user-events:") : std::string("parley:user-events:{");
}
inline std::string user_events(const std::string& key) {
    return user_events_prefix() + key + (clustered() ? "" : "}");
}
// The user whose events come on `pubsub_channel`, or "" when it is not a user's.
inline std::string user_of_events(std::string_view pubsub_channel) {
    auto prefix = user_events_prefix();
    if (!pubsub_channel.starts_with(prefix)) return "";
    pubsub_channel.remove_prefix(prefix.size());
    if (!clustered()) {
        if (!pubsub_channel.ends_with('}')) return "";
        pubsub_channel.remove_suffix(1);
    }
    return std::string(pubsub_channel);
}

inline std::string nodes() {  // set: node ids seen
    return home("nodes");
}
inline std::string node_prefix() {  // string with a TTL: alive
    return home("node:");
}
inline std::string node(const std::string& id) {
    return node_prefix() + id;
}
// Counter: the channel's last seq.
inline std::string seq(const std::string& channel) {
    return of_channel("seq", channel);
}
// Stream: the channel's events, entry id `<seq>-0`.
inline std::string log(const std::string& channel) {
    return of_channel("log", channel);
}
// Hash: the channel's messages' current state and its edits' texts (redis_channel_scripts.hpp).
inline std::string state(const std::string& channel) {
    return of_channel("state", channel);
}
// String with a TTL: "<seq>:<ts>" of the first send under an idempotency key, for
// --idempotency-window: a channel's keys are in its slot; a dm's, scoped by its recipient
// (a scope starting with "\x1f"), in {home}.
inline std::string idempotency(const std::string& scope, const std::string& key) {
    if (!scope.starts_with('\x1f')) return of_channel("idem", scope, ":" + key);
    return home("idem:" + scope + ":" + key);
}
// Hash: "<node>\t<nick>" -> 1 for every nick present in the channel on some node. In {home},
// beside the nodes whose liveness decides which entries count.
inline std::string members(const std::string& channel) {
    return home("members:" + channel);
}
// Hash: nick, auth, and "n:<node>" -> connections holding the nick on that node.
inline std::string nick(const std::string& key) {
    return home("nick:" + key);
}
// Stream: direct messages sent to or by the user.
inline std::string dms(const std::string& key) {
    return home("dms:" + key);
}

// A persistent user's state (storage/redis_user_state.hpp). Hash: nick (as last seen), id (its
// identity) and j (how many channels it has kept, which orders them); written at every login, so
// a dm to the user is kept while it is offline.
inline std::string user(const std::string& key) {
    return home("user:" + key);
}
// Sorted set: the channels the user keeps, scored in the order they were joined.
inline std::string kept(const std::string& key) {
    return home("kept:" + key);
}
// Hash: channel -> the user's read marker (a seq) in each kept channel.
inline std::string marks(const std::string& key) {
    return home("marks:" + key);
}
// Hash with the field <channel> while the user keeps the channel: what the append script asks
// before noting a mention or an own message. In a single Redis that is the user's marks hash;
// in a cluster a key of the channel's slot, kept beside the marker by keep and drop.
inline std::string keeps(const std::string& key, const std::string& channel) {
    return clustered() ? of_channel("keeps", channel, ":" + key) : marks(key);
}
// Sorted set: the seqs of the channel's messages that mention the user (recorded by the append
// script while the user keeps the channel), after its marker.
inline std::string mentions(const std::string& key, const std::string& channel) {
    return clustered() ? of_channel("mentions", channel, ":" + key)
                       : "parley:mentions:" + key + ":" + channel;
}
// Sorted set: the seqs of the user's own messages in the channel, after its marker.
inline std::string own(const std::string& key, const std::string& channel) {
    return clustered() ? of_channel("own", channel, ":" + key)
                       : "parley:own:" + key + ":" + channel;
}
// Bitmap: bit <seq> is set while that seq is a live message of the channel (not a change, not
// deleted), so a range of them is counted without reading the stream.
inline std::string live(const std::string& channel) {
    return of_channel("live", channel);
}
// Direct messages as conversations, keyed by identity (scripts build the names from these
// prefixes). Per pair of identities (the two in byte order, a tab between): a counter, the last
// seq, and a stream of its messages, entry id `<seq>-0`, fields f, to, t, ts, fi (sender's
// identity). Per identity: a hash, `p:<peer identity>` -> its record as JSON (n peer's nick as
// last seen, l last seq, r read seq, c the pair), and `k:<peer nick key>` -> the newest peer
// identity with that nick; and a sorted set of peer identities by the last dm's ts.
inline std::string conversation_seq_prefix() {
    return home("convseq:");
}
inline std::string conversation_prefix() {
    return home("conv:");
}
inline std::string conversations_prefix() {
    return home("convs:");
}
inline std::string conversation_order_prefix() {
    return home("convorder:");
}
inline std::string conversations(const std::string& identity) {
    return conversations_prefix() + identity;
}
inline std::string conversation_order(const std::string& identity) {
    return conversation_order_prefix() + identity;
}

// Hash: an account: nick, hash (Argon2id), created, tokens_after (Unix seconds).
inline std::string account(const std::string& key) {
    return home("account:" + key);
}
// Stream: channel events for the webhooks, one consumer group per endpoint
// (storage/redis_webhook_outbox.hpp); and an endpoint's lease: the node delivering to it.
inline std::string webhooks() {
    return home("webhooks");
}
inline std::string webhook_lease(const std::string& url) {
    return home("webhook-lease:" + url);
}
// Hash: server-wide settings, such as the key tokens are signed with.
inline std::string settings() {
    return home("settings");
}
// Hash: a channel's authority: registered, owner, private, topic.
inline std::string authority(const std::string& channel) {
    return of_channel("authority", channel);
}
// Hash: "<kind>:<key>" -> value for the people with a standing in a channel (kind: role,
// invited, ban, mute).
inline std::string people(const std::string& channel) {
    return of_channel("people", channel);
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
