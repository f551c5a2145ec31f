#pragma once

#include <string>
#include <string_view>

// Every Redis key a Parley cluster uses. Scripts get the key names from here (as KEYS or, for
// keys a script finds as it goes, as a prefix in ARGV), so the layout lives in one place.
namespace parley::redis::keys {

inline constexpr std::string_view bus = "parley:bus";            // pub/sub: every event
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

// Hash: an account: nick, hash (Argon2id), created, tokens_after (Unix seconds).
inline std::string account(const std::string& key) {
    return "parley:account:" + key;
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
