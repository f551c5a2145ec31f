#include "storage/redis_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "model/read_state.hpp"
#include "redis/bus_event.hpp"
#include "redis/keys.hpp"
#include "storage/redis_channel_scripts.hpp"
#include "storage/redis_user_state_scripts.hpp"
#include "storage/redis_webhook_outbox.hpp"

namespace parley::storage {

namespace {

// KEYS: recipient's nick hash, recipient's dms, sender's dms, idempotency key, recipient's
// account, recipient's user record.
// ARGV: node key prefix, this node, from, text, ts, event prefix, middle and suffix, the
// recipient's events (pub/sub), maxlen, the sender's identity, idempotency window in ms (0: no
// key), conversation seq prefix, conversation prefix, conversations prefix, conversation order
// prefix, an account identity's prefix, the sender's events ("" when it is the recipient).
// The event goes to each user's events, for the nodes where that user is connected.
// Stores and publishes if the recipient holds its nick on a live node (its identity is the
// holder's, from its hash), or else is a persistent user (an account, or a user record written
// at login: identity from its nick). Numbers the dm in the conversation of the two identities
// and keeps it there and in both users' records. Returns {recipient's nick as it chose to write
// it, seq, recipient's identity, 1 when it waits for an offline recipient}, or nil. A key used
// within the window returns "repeated:<seq>:<ts>".
const redis::Script& dm_script() {
    static const redis::Script script(std::string(redis::keys::nick_holders_lua) +
                                      std::string(user_state_scripts::pair_lua) + R"lua(
if ARGV[12] ~= '0' then
  local first = redis.call('GET', KEYS[4])
  if first then return 'repeated:' .. first end
end
local holders, nick = nick_holders(KEYS[1], ARGV[1], ARGV[2])
local to_identity, waiting = nil, 0
if holders > 0 and nick then
  to_identity = redis.call('HGET', KEYS[1], 'id') or ''
else
  nick = redis.call('HGET', KEYS[5], 'nick') or redis.call('HGET', KEYS[6], 'nick')
  if not nick then return false end
  to_identity = ARGV[17] .. nick
  waiting = 1
end
local from_identity, ts = ARGV[11], ARGV[5]
local pair = pair_of(from_identity, to_identity)
local seq = redis.call('INCR', ARGV[13] .. pair)
redis.call('XADD', ARGV[14] .. pair, 'MAXLEN', '~', ARGV[10], seq .. '-0', 'f', ARGV[3],
           'to', nick, 't', ARGV[4], 'ts', ts, 'fi', from_identity)
local function record(identity, peer, peer_nick)
  local conversations, field = ARGV[15] .. identity, 'p:' .. peer
  local old, read = redis.call('HGET', conversations, field), 0
  if old then read = cjson.decode(old).r end
  redis.call('HSET', conversations, field, cjson.encode({n = peer_nick, l = seq, r = read, c = pair}),
             'k:' .. string.lower(peer_nick), peer)
  redis.call('ZADD', ARGV[16] .. identity, ts, peer)
end
record(from_identity, to_identity, nick)
if to_identity ~= from_identity then record(to_identity, from_identity, ARGV[3]) end
-- The nicks' streams, which a guest's welcome.dms reads.
for i = 2, 3 do
  if i == 2 or KEYS[3] ~= KEYS[2] then
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[10], '*', 'f', ARGV[3], 'to', nick,
               't', ARGV[4], 'ts', ts, 'fi', from_identity, 'ti', to_identity, 's', seq)
  end
end
local event = ARGV[6] .. cjson.encode(nick) .. ARGV[7] .. seq .. ARGV[8]
redis.call('SPUBLISH', ARGV[9], event)
if ARGV[18] ~= '' then redis.call('SPUBLISH', ARGV[18], event) end
if ARGV[12] ~= '0' then redis.call('SET', KEYS[4], seq .. ':' .. ts, 'PX', ARGV[12]) end
return {nick, seq, to_identity, waiting}
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

DmAppendResult dm_result(const redis::Client::Reply& reply, model::DirectMessage message) {
    DmAppendResult result;
    auto first = reply && reply->type == redis::Value::Type::string
                     ? redis_scripts::repeated_of(reply->text)
                     : std::nullopt;
    if (first) {
        result.repeated = true;
        message.seq = first->first;
        message.ts = first->second;
    } else if (reply && reply->type == redis::Value::Type::array && reply->elements.size() == 4) {
        result.committed = true;
        result.waiting = reply->elements[3].integer == 1;
        message.to = reply->elements[0].text;
        message.seq = reply->elements[1].integer;
        message.to_identity = reply->elements[2].text;
    } else if (reply && reply->type == redis::Value::Type::nil) {
        result.no_such_user = true;
    } else if (reply) {
        spdlog::error("redis: storing a dm failed: {}", reply->text);
    }
    result.message = std::move(message);
    return result;
}

}  // namespace

RedisHistory::RedisHistory(std::shared_ptr<redis::Client> redis, RedisHistoryOptions options,
                           metrics::Metrics& metrics)
    : redis_(std::move(redis)),
      options_(std::move(options)),
      metrics_(metrics),
      replica_wait_(redis_, options_.wait_replicas, options_.wait_timeout) {
    redis_->preload(redis_scripts::append());
    redis_->preload(redis_scripts::change());
    redis_->preload(redis_scripts::read());
    redis_->preload(dm_script());
    redis_->preload(recent_dms_script());
}

bool RedisHistory::append(model::ChatMessage message, std::function<void(AppendResult)> done) {
    message.type = model::EventType::message;
    auto [prefix, suffix] = redis::bus::message_event_parts(message);
    auto keys = channel_keys(message.channel);
    keys.push_back(redis::keys::idempotency(message.channel, message.idempotency));
    std::vector<std::string> args{
        std::to_string(options_.max_per_channel),
        message.from,
        message.text,
        std::to_string(message.ts),
        std::move(prefix),
        std::move(suffix),
        redis::keys::channel_events(message.channel),
        message.author,
        std::to_string(message.reply_to),
        message.idempotency.empty() ? "0" : std::to_string(options_.idempotency_window.count()),
        message.bot ? "1" : "0",
        message.channel,
        std::to_string(model::max_unread_count),
        redis::keys::live(message.channel)};
    // A persistent user's own messages do not count as unread for it.
    auto sender = model::nick_key(message.from);
    bool persistent = message.author == model::account_identity(message.from);
    // Whether each user keeps the channel: a hash with the channel's name as a field (the
    // user's markers on one Redis, a key of the channel's own slot on a cluster).
    args.push_back(persistent ? redis::keys::keeps(sender, message.channel) : "");
    args.push_back(persistent ? redis::keys::own(sender, message.channel) : "");
    auto mentioned = model::mentioned_keys(message.text);
    args.push_back(std::to_string(mentioned.size()));
    for (const auto& key : mentioned) {
        args.push_back(redis::keys::keeps(key, message.channel));
        args.push_back(redis::keys::mentions(key, message.channel));
    }
    return store(redis_scripts::append(), std::move(keys), std::move(args), std::move(message),
                 std::move(done));
}

bool RedisHistory::change(model::ChatMessage event, bool may_delete_any,
                          std::function<void(AppendResult)> done) {
    using model::EventType;
    if (event.type != EventType::edited) event.text.clear();
    auto [prefix, suffix] = redis::bus::message_event_parts(event);
    const char* kind = event.type == EventType::edited    ? "e"
                       : event.type == EventType::deleted ? "d"
                                                          : "r";
    std::vector<std::string> args{std::to_string(options_.max_per_channel),
                                  kind,
                                  std::to_string(event.target),
                                  event.from,
                                  event.author,
                                  event.text,
                                  event.emoji,
                                  event.on ? "1" : "0",
                                  std::to_string(event.ts),
                                  may_delete_any ? "1" : "0",
                                  std::move(prefix),
                                  std::move(suffix),
                                  redis::keys::channel_events(event.channel),
                                  std::to_string(model::max_reactions_per_message),
                                  redis::keys::live(event.channel)};
    auto keys = channel_keys(event.channel);
    return store(redis_scripts::change(), std::move(keys), std::move(args), std::move(event),
                 std::move(done));
}

std::vector<std::string> RedisHistory::channel_keys(const std::string& channel) {
    return {redis::keys::seq(channel), redis::keys::log(channel), redis::keys::state(channel)};
}

bool RedisHistory::store(const redis::Script& script, std::vector<std::string> keys,
                         std::vector<std::string> args, model::ChatMessage event,
                         std::function<void(AppendResult)> done) {
    add_webhook_outbox_args(event, options_.webhook_max_pending, keys, args);
    auto stored = [this, event = std::move(event), key = keys.front(),
                   done = std::move(done)](redis::Client::Reply reply) mutable {
        AppendResult result;
        bool answered = reply && reply->type == redis::Value::Type::string;
        auto first = answered ? redis_scripts::repeated_of(reply->text) : std::nullopt;
        if (reply && reply->type == redis::Value::Type::integer) {
            result.committed = true;
            event.seq = reply->integer;
            if (event.type == model::EventType::message)
                metrics_.messages_stored_total.fetch_add(1, std::memory_order_relaxed);
        } else if (first) {
            result.refused = Refusal::repeated;
            event.seq = first->first;
            event.ts = first->second;
        } else if (answered && redis_scripts::refusal_of(reply->text) != Refusal::none) {
            result.refused = redis_scripts::refusal_of(reply->text);
        } else if (reply) {
            spdlog::error("redis: storing an event in {} failed: {}", event.channel, reply->text);
        }
        result.message = std::move(event);
        // A resend answered with the first copy waits too: that copy may not be on the
        // replicas yet.
        bool stored = result.committed || result.refused == Refusal::repeated;
        if (!stored || !replica_wait_.enabled()) return done(std::move(result));
        replica_wait_.after(key, [result = std::move(result), done](bool replicated) mutable {
            if (!replicated) {
                result.committed = false;
                result.refused = Refusal::none;
                result.unreplicated = true;
            }
            done(std::move(result));
        });
    };
    return redis_->eval(script, std::move(keys), std::move(args), std::move(stored));
}

bool RedisHistory::append_dm(model::DirectMessage message,
                             std::function<void(DmAppendResult)> done) {
    auto event = redis::bus::dm_event_parts(message);
    auto to_key = model::nick_key(message.to);
    auto from_key = model::nick_key(message.from);
    std::vector<std::string> keys{redis::keys::nick(to_key),
                                  redis::keys::dms(to_key),
                                  redis::keys::dms(from_key),
                                  redis::keys::idempotency("\x1f" + to_key, message.idempotency),
                                  redis::keys::account(to_key),
                                  redis::keys::user(to_key)};
    std::vector<std::string> args{
        redis::keys::node_prefix(),
        options_.node_id,
        message.from,
        message.text,
        std::to_string(message.ts),
        std::move(event.prefix),
        std::move(event.middle),
        std::move(event.suffix),
        redis::keys::user_events(to_key),
        std::to_string(options_.max_dms_per_user),
        message.from_identity,
        message.idempotency.empty() ? "0" : std::to_string(options_.idempotency_window.count()),
        redis::keys::conversation_seq_prefix(),
        redis::keys::conversation_prefix(),
        redis::keys::conversations_prefix(),
        redis::keys::conversation_order_prefix(),
        model::account_identity(""),
        from_key == to_key ? "" : redis::keys::user_events(from_key)};
    return redis_->eval(dm_script(), std::move(keys), std::move(args),
                        [this, message = std::move(message), key = redis::keys::nick(to_key),
                         done = std::move(done)](redis::Client::Reply reply) mutable {
                            auto result = dm_result(reply, std::move(message));
                            bool stored = result.committed || result.repeated;
                            if (!stored || !replica_wait_.enabled()) return done(std::move(result));
                            replica_wait_.after(
                                key, [result = std::move(result), done](bool replicated) mutable {
                                    if (!replicated) {
                                        result.committed = result.repeated = false;
                                        result.unreplicated = true;
                                    }
                                    done(std::move(result));
                                });
                        });
}

bool RedisHistory::read(ReadKind kind, std::string channel, std::int64_t position, int limit,
                        std::function<void(Page)> done) {
    static constexpr const char* modes[] = {"recent", "since", "before"};
    std::vector<std::string> args{modes[static_cast<int>(kind)], std::to_string(position),
                                  std::to_string(std::max(limit, 1))};
    auto keys = channel_keys(channel);  // before the callback takes the channel's name
    return redis_->eval(
        redis_scripts::read(), std::move(keys), std::move(args),
        [kind, channel = std::move(channel), position, limit,
         done = std::move(done)](redis::Client::Reply reply) {
            Page page;
            if (!reply || reply->type != redis::Value::Type::array || reply->elements.size() != 3) {
                if (reply) spdlog::error("redis: reading {} failed: {}", channel, reply->text);
                page.ok = false;
                return done(std::move(page));
            }
            page.head_seq = reply->elements[0].integer;
            page.channel_exists = page.head_seq > 0;
            if (limit > 0) page.messages = redis_scripts::events_of(channel, reply->elements[1]);
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
        [limit, done = std::move(done)](redis::Client::Reply reply) {
            std::vector<model::DirectMessage> dms;
            if (reply && reply->type == redis::Value::Type::array && limit > 0) {
                for (auto it = reply->elements.rbegin(); it != reply->elements.rend(); ++it) {
                    const auto* from = field(*it, "f");
                    const auto* to = field(*it, "to");
                    const auto* text = field(*it, "t");
                    if (from && to && text)
                        dms.push_back(
                            {*from, *to, *text, to_int(field(*it, "ts")), to_int(field(*it, "s"))});
                }
            }
            done(std::move(dms));
        });
}

}  // namespace parley::storage
