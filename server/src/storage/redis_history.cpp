#include "storage/redis_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "redis/bus_event.hpp"
#include "redis/keys.hpp"

namespace parley::storage {

namespace {

// KEYS: seq, log. ARGV: maxlen, from, text, ts, event prefix, event suffix, bus channel.
// Redis does not roll a script back: if XADD fails after INCR the seq is skipped, which readers
// treat as a message that no longer exists.
const redis::Script& append_script() {
    static const redis::Script script(R"lua(
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[1], seq .. '-0',
           'f', ARGV[2], 't', ARGV[3], 'ts', ARGV[4])
redis.call('PUBLISH', ARGV[7], ARGV[5] .. seq .. ARGV[6])
return seq
)lua");
    return script;
}

// KEYS: seq, log. ARGV: mode (recent, since, before), position, limit.
// Returns {head seq, entries newest first, id of the oldest entry kept or ''}.
const redis::Script& read_script() {
    static const redis::Script script(R"lua(
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local mode, position, limit = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local entries, oldest = nil, ''
if mode == 'since' and position <= head then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '(' .. position .. '-0', 'COUNT', limit)
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
  if first[1] then oldest = first[1][1] end
elseif mode == 'before' and position > 0 then
  entries = redis.call('XREVRANGE', KEYS[2], '(' .. position .. '-0', '-', 'COUNT', limit)
else
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', limit)
end
return {head, entries, oldest}
)lua");
    return script;
}

// KEYS: recipient's nick hash, recipient's dms, sender's dms.
// ARGV: node key prefix, this node, from, text, ts, event prefix, event suffix, bus, maxlen,
// the sender's identity.
// Stores and publishes only if the recipient holds its nick on a live node; returns its nick
// as it chose to write it, or nil. The recipient's identity is the holder's, from its hash.
const redis::Script& dm_script() {
    static const redis::Script script(std::string(redis::keys::nick_holders_lua) + R"lua(
local holders, nick = nick_holders(KEYS[1], ARGV[1], ARGV[2])
if holders == 0 or not nick then return false end
local to_identity = redis.call('HGET', KEYS[1], 'id') or ''
for i = 2, 3 do
  if i == 2 or KEYS[3] ~= KEYS[2] then
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[9], '*', 'f', ARGV[3], 'to', nick,
               't', ARGV[4], 'ts', ARGV[5], 'fi', ARGV[10], 'ti', to_identity)
  end
end
redis.call('PUBLISH', ARGV[8], ARGV[6] .. '"' .. nick .. '"' .. ARGV[7])
return nick
)lua");
    return script;
}

// KEYS: a user's dms. ARGV: identity, limit. The newest `limit` entries sent by or to that
// identity, newest first: the stream is the nick's, shared by everyone who has held it.
const redis::Script& recent_dms_script() {
    static const redis::Script script(R"lua(
local found, limit = {}, tonumber(ARGV[2])
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '+', '-')) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if (fields[i] == 'fi' or fields[i] == 'ti') and fields[i + 1] == ARGV[1] then
      found[#found + 1] = entry
      break
    end
  end
  if #found >= limit then break end
end
return found
)lua");
    return script;
}

std::int64_t seq_of_id(std::string_view id) {
    std::int64_t seq = 0;
    std::from_chars(id.data(), id.data() + id.size(), seq);  // stops at the '-'
    return seq;
}

// A stream entry: [id, [field, value, ...]].
const std::string* field(const redis::Value& entry, std::string_view name) {
    if (entry.elements.size() != 2) return nullptr;
    const auto& fields = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        if (fields[i].text == name) return &fields[i + 1].text;
    return nullptr;
}

std::int64_t to_int(const std::string* text) {
    std::int64_t value = 0;
    if (text) std::from_chars(text->data(), text->data() + text->size(), value);
    return value;
}

// Entries newest first, as XREVRANGE gives them, to messages oldest first.
std::vector<model::ChatMessage> messages_of(const std::string& channel,
                                            const redis::Value& entries) {
    std::vector<model::ChatMessage> messages;
    messages.reserve(entries.elements.size());
    for (auto it = entries.elements.rbegin(); it != entries.elements.rend(); ++it) {
        const auto& entry = *it;
        const auto* from = field(entry, "f");
        const auto* text = field(entry, "t");
        if (entry.elements.empty() || !from || !text) continue;
        messages.push_back(
            {channel, seq_of_id(entry.elements[0].text), *from, *text, to_int(field(entry, "ts"))});
    }
    return messages;
}

}  // namespace

RedisHistory::RedisHistory(std::shared_ptr<redis::Connection> redis, RedisHistoryOptions options,
                           metrics::Metrics& metrics)
    : redis_(std::move(redis)), options_(std::move(options)), metrics_(metrics) {
    redis_->preload(append_script());
    redis_->preload(read_script());
    redis_->preload(dm_script());
    redis_->preload(recent_dms_script());
}

bool RedisHistory::append(model::ChatMessage message, std::function<void(AppendResult)> done) {
    auto [prefix, suffix] = redis::bus::message_event_parts(message);
    auto channel = message.channel;
    std::vector<std::string> args{std::to_string(options_.max_per_channel),
                                  message.from,
                                  message.text,
                                  std::to_string(message.ts),
                                  std::move(prefix),
                                  std::move(suffix),
                                  std::string(redis::keys::bus)};
    return redis_->eval(
        append_script(), {redis::keys::seq(channel), redis::keys::log(channel)}, std::move(args),
        [this, message = std::move(message),
         done = std::move(done)](redis::Connection::Reply reply) mutable {
            AppendResult result;
            if (reply && reply->type == redis::Value::Type::integer) {
                result.committed = true;
                message.seq = reply->integer;
                metrics_.messages_stored_total.fetch_add(1, std::memory_order_relaxed);
            } else if (reply) {
                spdlog::error("redis: storing a message in {} failed: {}", message.channel,
                              reply->text);
            }
            result.message = std::move(message);
            done(std::move(result));
        });
}

bool RedisHistory::append_dm(model::DirectMessage message,
                             std::function<void(DmAppendResult)> done) {
    auto [prefix, suffix] = redis::bus::dm_event_parts(message);
    auto to_key = model::nick_key(message.to);
    std::vector<std::string> keys{redis::keys::nick(to_key), redis::keys::dms(to_key),
                                  redis::keys::dms(model::nick_key(message.from))};
    std::vector<std::string> args{std::string(redis::keys::node_prefix),
                                  options_.node_id,
                                  message.from,
                                  message.text,
                                  std::to_string(message.ts),
                                  std::move(prefix),
                                  std::move(suffix),
                                  std::string(redis::keys::bus),
                                  std::to_string(options_.max_dms_per_user),
                                  message.from_identity};
    return redis_->eval(dm_script(), std::move(keys), std::move(args),
                        [message = std::move(message),
                         done = std::move(done)](redis::Connection::Reply reply) mutable {
                            DmAppendResult result;
                            if (reply && reply->type == redis::Value::Type::string) {
                                result.committed = true;
                                message.to = reply->text;
                            } else if (reply && reply->type == redis::Value::Type::nil) {
                                result.no_such_user = true;
                            } else if (reply) {
                                spdlog::error("redis: storing a dm failed: {}", reply->text);
                            }
                            result.message = std::move(message);
                            done(std::move(result));
                        });
}

bool RedisHistory::read(ReadKind kind, std::string channel, std::int64_t position, int limit,
                        std::function<void(Page)> done) {
    static constexpr const char* modes[] = {"recent", "since", "before"};
    std::vector<std::string> args{modes[static_cast<int>(kind)], std::to_string(position),
                                  std::to_string(std::max(limit, 1))};
    auto keys = std::vector<std::string>{redis::keys::seq(channel), redis::keys::log(channel)};
    return redis_->eval(
        read_script(), std::move(keys), std::move(args),
        [kind, channel = std::move(channel), position, limit,
         done = std::move(done)](redis::Connection::Reply reply) {
            Page page;
            if (!reply || reply->type != redis::Value::Type::array || reply->elements.size() != 3) {
                if (reply) spdlog::error("redis: reading {} failed: {}", channel, reply->text);
                page.ok = false;
                return done(std::move(page));
            }
            page.head_seq = reply->elements[0].integer;
            page.channel_exists = page.head_seq > 0;
            if (limit > 0) page.messages = messages_of(channel, reply->elements[1]);
            if (kind == ReadKind::since) {
                auto oldest = seq_of_id(reply->elements[2].text);
                page.gap = position > page.head_seq || page.head_seq - position > limit ||
                           (oldest > position + 1 && position < page.head_seq);
            }
            done(std::move(page));
        });
}

bool RedisHistory::recent(std::string channel, int limit, std::function<void(Page)> done) {
    return read(ReadKind::recent, std::move(channel), 0, limit, std::move(done));
}

bool RedisHistory::since(std::string channel, std::int64_t since, int cap,
                         std::function<void(Page)> done) {
    return read(ReadKind::since, std::move(channel), since, cap, std::move(done));
}

bool RedisHistory::before(std::string channel, std::optional<std::int64_t> before, int limit,
                          std::function<void(Page)> done) {
    return read(ReadKind::before, std::move(channel), before.value_or(0), limit, std::move(done));
}

bool RedisHistory::recent_dms(std::string nick, std::string identity, int limit,
                              std::function<void(std::vector<model::DirectMessage>)> done) {
    return redis_->eval(
        recent_dms_script(), {redis::keys::dms(model::nick_key(nick))},
        {std::move(identity), std::to_string(std::max(limit, 1))},
        [limit, done = std::move(done)](redis::Connection::Reply reply) {
            std::vector<model::DirectMessage> dms;
            if (reply && reply->type == redis::Value::Type::array && limit > 0) {
                for (auto it = reply->elements.rbegin(); it != reply->elements.rend(); ++it) {
                    const auto* from = field(*it, "f");
                    const auto* to = field(*it, "to");
                    const auto* text = field(*it, "t");
                    if (from && to && text)
                        dms.push_back({*from, *to, *text, to_int(field(*it, "ts"))});
                }
            }
            done(std::move(dms));
        });
}

}  // namespace parley::storage
