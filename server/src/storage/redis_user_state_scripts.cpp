#include "storage/redis_user_state_scripts.hpp"

#include <string>

namespace parley::storage::user_state_scripts {

const std::string_view pair_lua = R"lua(
local function pair_of(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      if x < y then return a .. '\t' .. b end
      return b .. '\t' .. a
    end
  end
  if #a <= #b then return a .. '\t' .. b end
  return b .. '\t' .. a
end
)lua";

namespace {

// A channel's counts without reading its stream: the live bits after the marker (and after the
// oldest entry the stream keeps), less the user's own messages still live; the mentions noted
// for the user that are live and not its own. channel_counts takes the key names, so a single
// Redis (names built from prefixes) and a cluster (names given as KEYS) count alike.
constexpr std::string_view channel_counts_lua = R"lua(
local function channel_counts(seq_key, log, live, own_key, mentions_key, read, cap)
  local head = tonumber(redis.call('GET', seq_key) or '0')
  local unread, mentions = 0, 0
  if head > read then
    local lo = read
    local first = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)
    if first[1] then lo = math.max(lo, tonumber(string.match(first[1][1], '^(%d+)')) - 1) end
    unread = redis.call('BITCOUNT', live, lo + 1, head, 'BIT')
    local own = {}
    for _, seq in ipairs(redis.call('ZRANGEBYSCORE', own_key, '(' .. lo, '+inf')) do
      if redis.call('GETBIT', live, seq) == 1 then
        own[seq] = true
        unread = unread - 1
      end
    end
    for _, seq in ipairs(redis.call('ZRANGEBYSCORE', mentions_key, '(' .. lo, '+inf')) do
      if not own[seq] and redis.call('GETBIT', live, seq) == 1 then mentions = mentions + 1 end
    end
  end
  return head, math.min(unread, cap), math.min(mentions, cap)
end
)lua";

constexpr std::string_view channel_mark_lua = R"lua(
local function channel_mark(channel, read)
  local head, unread, mentions = channel_counts(ARGV[7] .. channel, ARGV[8] .. channel,
    ARGV[9] .. channel, ARGV[13] .. channel, ARGV[10] .. channel, read, tonumber(ARGV[6]))
  return {channel, head, read, unread, mentions}
end
)lua";

constexpr std::string_view conversation_mark_lua = R"lua(
local function conversation_mark(peer, last_ts)
  local record = redis.call('HGET', KEYS[4], 'p:' .. peer)
  if not record then return nil end
  local r = cjson.decode(record)
  local last = tonumber(redis.call('GET', ARGV[11] .. r.c) or '0')
  local read, unread, cap = tonumber(r.r), 0, tonumber(ARGV[6])
  if last > read then
    for _, entry in ipairs(redis.call('XRANGE', ARGV[12] .. r.c, '(' .. read .. '-0', '+',
                                      'COUNT', tonumber(ARGV[5]))) do
      local fields = entry[2]
      for i = 1, #fields, 2 do
        if fields[i] == 'fi' and fields[i + 1] ~= ARGV[2] then unread = unread + 1 end
      end
    end
  end
  return {r.n, last, read, math.min(unread, cap), last_ts}
end
)lua";

// load's body, after a kept_entry(channel, read) that says what each kept channel returns: on
// one Redis its counts (channel_mark), on a cluster its marker only (its counts are read in its
// own slot).
constexpr std::string_view load_body_lua = R"lua(
redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'id', ARGV[2])
local channels, conversations = {}, {}
local marks = redis.call('HGETALL', KEYS[3])
local read = {}
for i = 1, #marks, 2 do read[marks[i]] = tonumber(marks[i + 1]) end
for _, channel in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  channels[#channels + 1] = kept_entry(channel, read[channel] or 0)
end
local order = redis.call('ZREVRANGE', KEYS[5], 0, tonumber(ARGV[4]) - 1, 'WITHSCORES')
for i = 1, #order, 2 do
  local mark = conversation_mark(order[i], order[i + 1])
  if mark then conversations[#conversations + 1] = mark end
end
return {channels, conversations}
)lua";

}  // namespace

const redis::Script& load() {
    static const redis::Script script(std::string(channel_counts_lua) +
                                      std::string(channel_mark_lua) +
                                      std::string(conversation_mark_lua) + R"lua(
local function kept_entry(channel, read) return channel_mark(channel, read) end
)lua" + std::string(load_body_lua));
    return script;
}

const redis::Script& keep() {
    static const redis::Script script(R"lua(
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
local order = redis.call('HINCRBY', KEYS[1], 'j', 1)
redis.call('ZADD', KEYS[2], order, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], redis.call('GET', KEYS[4]) or '0')
return 1
)lua");
    return script;
}

const redis::Script& drop() {
    static const redis::Script script(R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3], KEYS[4])
return 1
)lua");
    return script;
}

const redis::Script& mark_channel() {
    static const redis::Script script(R"lua(
local read = redis.call('HGET', KEYS[1], ARGV[1])
if not read then return 'not_kept' end
local seq = tonumber(ARGV[2])
if seq > tonumber(redis.call('GET', KEYS[2]) or '0') then return 'beyond_end' end
if seq <= tonumber(read) then return 'unchanged' end
redis.call('HSET', KEYS[1], ARGV[1], seq)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', seq)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', seq)
redis.call('SPUBLISH', ARGV[3], ARGV[4] .. cjson.encode(ARGV[1]) .. ARGV[5])
return 'moved'
)lua");
    return script;
}

const redis::Script& mark_conversation() {
    static const redis::Script script(R"lua(
local peer = redis.call('HGET', KEYS[1], 'k:' .. ARGV[1])
local record = peer and redis.call('HGET', KEYS[1], 'p:' .. peer)
if not record then return {'not_kept', ''} end
local r = cjson.decode(record)
local seq = tonumber(ARGV[2])
if seq > tonumber(redis.call('GET', ARGV[3] .. r.c) or '0') then return {'beyond_end', r.n} end
if seq <= tonumber(r.r) then return {'unchanged', r.n} end
r.r = seq
redis.call('HSET', KEYS[1], 'p:' .. peer, cjson.encode(r))
redis.call('SPUBLISH', ARGV[4], ARGV[5] .. cjson.encode(r.n) .. ARGV[6])
return {'moved', r.n}
)lua");
    return script;
}

const redis::Script& page() {
    static const redis::Script script(R"lua(
local peer = redis.call('HGET', KEYS[1], 'k:' .. ARGV[1])
local record = peer and redis.call('HGET', KEYS[1], 'p:' .. peer)
if not record then return {0, {}} end
local pair = cjson.decode(record).c
local stream = ARGV[6] .. pair
local last = tonumber(redis.call('GET', ARGV[5] .. pair) or '0')
local mode, position, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local rows = {}
if mode == 'since' then
  if position < last then
    rows = redis.call('XREVRANGE', stream, '+', '(' .. position .. '-0', 'COUNT', limit)
  end
elseif mode == 'before' then
  if position > 1 then
    rows = redis.call('XREVRANGE', stream, '(' .. position .. '-0', '-', 'COUNT', limit)
  end
else
  rows = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', limit)
end
return {last, rows}
)lua");
    return script;
}

namespace cluster {

namespace {

// Script flags (Redis 7). Their presence alone makes Redis check every key a script touches
// against one slot; `no-writes` lets a script that only reads run when Redis is out of memory,
// as a script without flags may until it writes.
redis::Script with_flags(std::string_view body, std::string_view flags = "#!lua\n") {
    return redis::Script(std::string(flags) + std::string(body));
}

}  // namespace

const redis::Script& load_home() {
    static const redis::Script script = with_flags(std::string(conversation_mark_lua) + R"lua(
local function kept_entry(channel, read) return {channel, read} end
)lua" + std::string(load_body_lua));
    return script;
}

const redis::Script& channel_counts() {
    static const redis::Script script = with_flags(std::string(channel_counts_lua) + R"lua(
local read = tonumber(ARGV[2])
local head, unread, mentions =
  channel_counts(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], read, tonumber(ARGV[3]))
return {ARGV[1], head, read, unread, mentions}
)lua",
                                                   "#!lua flags=no-writes\n");
    return script;
}

const redis::Script& keep_flag() {
    static const redis::Script script = with_flags(R"lua(
redis.call('HSET', KEYS[1], ARGV[1], 1)
return tonumber(redis.call('GET', KEYS[2]) or '0')
)lua");
    return script;
}

const redis::Script& keep_home() {
    static const redis::Script script = with_flags(R"lua(
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
local order = redis.call('HINCRBY', KEYS[1], 'j', 1)
redis.call('ZADD', KEYS[2], order, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 1
)lua");
    return script;
}

const redis::Script& drop_channel_part() {
    static const redis::Script script = with_flags(R"lua(
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
)lua");
    return script;
}

const redis::Script& drop_home() {
    static const redis::Script script = with_flags(R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
)lua");
    return script;
}

const redis::Script& mark_home() {
    static const redis::Script script = with_flags(R"lua(
local read = redis.call('HGET', KEYS[1], ARGV[1])
if not read then return 'not_kept' end
local seq = tonumber(ARGV[2])
if seq > tonumber(ARGV[3]) then return 'beyond_end' end
if seq <= tonumber(read) then return 'unchanged' end
redis.call('HSET', KEYS[1], ARGV[1], seq)
redis.call('SPUBLISH', ARGV[4], ARGV[5] .. cjson.encode(ARGV[1]) .. ARGV[6])
return 'moved'
)lua");
    return script;
}

const redis::Script& trim() {
    static const redis::Script script = with_flags(R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return 1
)lua");
    return script;
}

}  // namespace cluster

}  // namespace parley::storage::user_state_scripts
