#include "storage/redis_channel_scripts.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "storage/message_state.hpp"
#include "storage/redis_webhook_outbox.hpp"

namespace parley::storage::redis_scripts {

namespace {

// Lua shared by the scripts. load_state(log, state, seq) is a message's current state, or nil
// when seq is not a message (a change, trimmed, never used). trim(state, seq, maxlen) drops the
// state of the entry the stream's MAXLEN just dropped (seqs are contiguous, so it is
// seq - maxlen).
constexpr std::string_view common_lua = R"lua(
local function entry_fields(entry)
  local f, fields = {}, entry[2]
  for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
  return f
end
local function load_state(log, state, seq)
  local text = redis.call('HGET', state, seq)
  if text then return cjson.decode(text), false end
  -- A message stored before the lifecycle: its stream entry is all there is.
  local found = redis.call('XRANGE', log, seq .. '-0', seq .. '-0')
  if not found[1] then return nil, false end
  local f = entry_fields(found[1])
  if f.k then return nil, false end
  return {t = f.t or '', ts = f.ts or '0', f = f.f or '', a = '', r = 0, et = '0', d = 0}, true
end
local function trim(state, seq, maxlen)
  local old = seq - maxlen
  if old > 0 then redis.call('HDEL', state, old, 'e' .. old) end
end
)lua";

std::int64_t integer_of(const nlohmann::json& value) {
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number()) return static_cast<std::int64_t>(value.get<double>());
    std::int64_t parsed = 0;
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::from_chars(text.data(), text.data() + text.size(), parsed);
    }
    return parsed;
}

std::int64_t integer_of(const std::string& text) {
    std::int64_t parsed = 0;
    std::from_chars(text.data(), text.data() + text.size(), parsed);  // stops at a '-'
    return parsed;
}

// A message's current state (the JSON the scripts keep) over what its stream entry said.
void apply_state(model::ChatMessage& message, const std::string& text) {
    auto state = nlohmann::json::parse(text, nullptr, false);
    if (!state.is_object()) return;
    if (auto t = state.find("t"); t != state.end() && t->is_string()) message.text = *t;
    if (auto r = state.find("r"); r != state.end()) message.reply_to = integer_of(*r);
    if (auto et = state.find("et"); et != state.end()) message.edited_ts = integer_of(*et);
    if (auto d = state.find("d"); d != state.end()) message.deleted = integer_of(*d) != 0;
    if (auto bot = state.find("b"); bot != state.end()) message.bot = integer_of(*bot) != 0;
    if (auto x = state.find("x"); x != state.end() && x->is_array())
        message.reactions = reactions_from_text(x->dump());
    if (message.deleted) {
        message.text.clear();
        message.reactions.clear();
    }
}

}  // namespace

const redis::Script& append() {
    static const redis::Script script(std::string(common_lua) + std::string(webhook_outbox_lua) +
                                      R"lua(
if ARGV[10] ~= '0' then
  local first = redis.call('GET', KEYS[4])
  if first then return 'repeated:' .. first end
end
local reply_to = tonumber(ARGV[9])
if reply_to > 0 then
  local target = load_state(KEYS[2], KEYS[3], reply_to)
  if not target or target.d == 1 then return 'no_such_message' end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[1], seq .. '-0', 'k', 'm', 'f', ARGV[2], 'ts', ARGV[4])
redis.call('HSET', KEYS[3], seq, cjson.encode(
  {t = ARGV[3], ts = ARGV[4], f = ARGV[2], a = ARGV[8], r = reply_to, et = '0', d = 0,
   b = tonumber(ARGV[11])}))
if ARGV[10] ~= '0' then redis.call('SET', KEYS[4], seq .. ':' .. ARGV[4], 'PX', ARGV[10]) end
trim(KEYS[3], seq, tonumber(ARGV[1]))
-- For welcome's counts: the message is live (a bit per seq), its sender's own when the sender
-- keeps the channel, and a mention for the users it mentions who keep the channel.
redis.call('SETBIT', ARGV[14], seq, 1)
local function note(marks, at)
  if redis.call('HEXISTS', marks, ARGV[12]) == 1 then
    redis.call('ZADD', at, seq, seq)
    redis.call('ZREMRANGEBYRANK', at, 0, -tonumber(ARGV[13]) - 1)
  end
end
if ARGV[15] ~= '' then note(ARGV[15], ARGV[16]) end
for i = 1, tonumber(ARGV[17]) do note(ARGV[16 + 2 * i], ARGV[17 + 2 * i]) end
redis.call('SPUBLISH', ARGV[7], ARGV[5] .. seq .. ARGV[6])
to_webhooks(seq)
return seq
)lua");
    return script;
}

const redis::Script& change() {
    static const redis::Script script(std::string(common_lua) + std::string(webhook_outbox_lua) +
                                      R"lua(
local maxlen, kind, target = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local from, author, emoji, ts = ARGV[4], ARGV[5], ARGV[7], ARGV[9]
local state, legacy = load_state(KEYS[2], KEYS[3], target)
if not state or state.d == 1 then return 'no_such_message' end
local by_author = state.a ~= '' and state.a == author
if kind == 'e' and not by_author then return 'forbidden' end
if kind == 'd' and not by_author and ARGV[10] ~= '1' then return 'forbidden' end
local x = state.x or {}
if kind == 'r' then
  local key, on, at = string.lower(from), ARGV[8] == '1', nil
  for i, reaction in ipairs(x) do
    if reaction[1] == emoji then at = i end
  end
  if not at then
    if not on then return 'unchanged' end
    if #x >= tonumber(ARGV[14]) then return 'too_many_reactions' end
    x[#x + 1] = {emoji, {from}}
  else
    local nicks, given = x[at][2], nil
    for i, nick in ipairs(nicks) do
      if string.lower(nick) == key then given = i end
    end
    if on == (given ~= nil) then return 'unchanged' end
    if on then
      nicks[#nicks + 1] = from
    else
      table.remove(nicks, given)
      if #nicks == 0 then table.remove(x, at) end
    end
  end
end
local seq = redis.call('INCR', KEYS[1])
local id = seq .. '-0'
if kind == 'r' then
  redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, id, 'k', kind, 'f', from, 'ts', ts, 'g', target,
             'e', emoji, 'o', ARGV[8])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, id, 'k', kind, 'f', from, 'ts', ts, 'g', target)
end
local es = state.es or {}
if kind == 'e' then
  redis.call('HSET', KEYS[3], 'e' .. seq, ARGV[6])
  state.t, state.et = ARGV[6], ts
  es[#es + 1] = seq
elseif kind == 'd' then
  redis.call('SETBIT', ARGV[15], target, 0)
  for _, edit in ipairs(es) do redis.call('HDEL', KEYS[3], 'e' .. edit) end
  -- A message from before the lifecycle has its text in its stream entry: that entry goes.
  if legacy then redis.call('XDEL', KEYS[2], target .. '-0') end
  state.t, state.d, x, es = '', 1, {}, {}
end
if #x > 0 then state.x = x else state.x = nil end
if #es > 0 then state.es = es else state.es = nil end
redis.call('HSET', KEYS[3], target, cjson.encode(state))
trim(KEYS[3], seq, maxlen)
redis.call('SPUBLISH', ARGV[13], ARGV[11] .. seq .. ARGV[12])
to_webhooks(seq)
return seq
)lua");
    return script;
}

const redis::Script& read() {
    static const redis::Script script(std::string(common_lua) + R"lua(
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local mode, position, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local rows, oldest = {}, ''
local function row(entry, f)
  local kind, text, state = f.k or 'm', f.t or '', ''
  local seq = string.match(entry[1], '^(%d+)')
  if kind == 'm' then
    state = redis.call('HGET', KEYS[3], seq) or ''
  elseif kind == 'e' then
    text = redis.call('HGET', KEYS[3], 'e' .. seq) or ''
  end
  return {entry[1], kind, f.f or '', text, f.ts or '0', f.g or '0', f.e or '', f.o or '1', state}
end
if mode == 'since' then
  local lower = '-'
  if position <= head then
    lower = '(' .. position .. '-0'
    local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
    if first[1] then oldest = first[1][1] end
  end
  for _, entry in ipairs(redis.call('XREVRANGE', KEYS[2], '+', lower, 'COUNT', limit)) do
    rows[#rows + 1] = row(entry, entry_fields(entry))
  end
else
  -- A page is messages only: walk back past the changes until `limit` messages are found.
  local upper = '+'
  if mode == 'before' and position > 0 then upper = '(' .. position .. '-0' end
  while #rows < limit do
    local chunk = redis.call('XREVRANGE', KEYS[2], upper, '-', 'COUNT', limit)
    for _, entry in ipairs(chunk) do
      local f = entry_fields(entry)
      if not f.k or f.k == 'm' then
        rows[#rows + 1] = row(entry, f)
        if #rows >= limit then break end
      end
    end
    if #chunk < limit then break end
    upper = '(' .. chunk[#chunk][1]
  end
end
return {head, rows, oldest}
)lua");
    return script;
}

std::optional<std::pair<std::int64_t, std::int64_t>> repeated_of(const std::string& answer) {
    constexpr std::string_view prefix = "repeated:";
    if (answer.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    auto rest = std::string_view(answer).substr(prefix.size());
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return std::pair{integer_of(std::string(rest.substr(0, colon))),
                     integer_of(std::string(rest.substr(colon + 1)))};
}

Refusal refusal_of(const std::string& answer) {
    if (answer == "no_such_message") return Refusal::no_such_message;
    if (answer == "forbidden") return Refusal::forbidden;
    if (answer == "unchanged") return Refusal::unchanged;
    if (answer == "too_many_reactions") return Refusal::too_many_reactions;
    return Refusal::none;
}

std::vector<model::ChatMessage> events_of(const std::string& channel, const redis::Value& rows) {
    using model::EventType;
    std::vector<model::ChatMessage> events;
    events.reserve(rows.elements.size());
    for (auto it = rows.elements.rbegin(); it != rows.elements.rend(); ++it) {
        const auto& row = it->elements;
        if (row.size() != 9) continue;
        model::ChatMessage event{channel, integer_of(row[0].text), row[2].text, row[3].text,
                                 integer_of(row[4].text)};
        const auto& kind = row[1].text;
        event.type = kind == "e"   ? EventType::edited
                     : kind == "d" ? EventType::deleted
                     : kind == "r" ? EventType::reaction
                                   : EventType::message;
        event.target = integer_of(row[5].text);
        event.emoji = row[6].text;
        event.on = row[7].text != "0";
        if (event.type == EventType::message && !row[8].text.empty())
            apply_state(event, row[8].text);
        events.push_back(std::move(event));
    }
    return events;
}

}  // namespace parley::storage::redis_scripts
