#include "storage/redis_directory.hpp"

#include <openssl/rand.h>

#include "model/message.hpp"
#include "model/parse_number.hpp"
#include "redis/blocking.hpp"
#include "redis/bus_event.hpp"
#include "redis/keys.hpp"

namespace parley::storage {

namespace {

using Reply = redis::Client::Reply;
using Type = redis::Value::Type;

Failure unavailable(const Reply& reply) {
    return Failure{reply ? "redis: " + reply->text : "redis cannot be reached"};
}

// KEYS: the account. ARGV: nick, hash, created. 1 when created, 0 when it existed.
const redis::Script& create_account_script() {
    static const redis::Script script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'hash', ARGV[2], 'created', ARGV[3])
return 1
)lua");
    return script;
}

// KEYS: authority, people, the channel's seq. ARGV: owner, private, topic, bus, event.
// A channel that has had a message (a seq) or is registered exists already: 0.
const redis::Script& create_channel_script() {
    static const redis::Script script(R"lua(
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('HGET', KEYS[1], 'registered') == '1' then
  return 0
end
redis.call('HSET', KEYS[1], 'registered', '1', 'owner', ARGV[1], 'private', ARGV[2],
           'topic', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
)lua");
    return script;
}

// KEYS: authority, people. ARGV: action, target key, value, bus, event. The same changes as
// model::apply and SqliteDirectory::change_channel, then the event for every node.
const redis::Script& change_channel_script() {
    static const redis::Script script(R"lua(
local action, key, value = ARGV[1], ARGV[2], ARGV[3]
local function set(kind, v) redis.call('HSET', KEYS[2], kind .. ':' .. key, v) end
local function drop(kind) redis.call('HDEL', KEYS[2], kind .. ':' .. key) end
if action == 'topic' then
  redis.call('HSET', KEYS[1], 'topic', value)
elseif action == 'role' then
  set('role', value)
elseif action == 'invite' then
  set('invited', '')
elseif action == 'admit' then
  drop('invited')
  redis.call('HSETNX', KEYS[2], 'role:' .. key, 'member')
elseif action == 'kick' then
  if redis.call('HGET', KEYS[1], 'private') == '1' then drop('role') drop('invited') end
elseif action == 'ban' then
  set('ban', value) drop('role') drop('invited')
elseif action == 'unban' then
  drop('ban')
elseif action == 'mute' then
  set('mute', '')
elseif action == 'unmute' then
  drop('mute')
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
)lua");
    return script;
}

std::string random_key() {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string key;
    for (auto byte : bytes) {
        key.push_back(hex[byte >> 4]);
        key.push_back(hex[byte & 15]);
    }
    return key;
}

// A hash reply as field -> value.
template <class F>
void each_field(const redis::Value& reply, F&& f) {
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        f(reply.elements[i].text, reply.elements[i + 1].text);
}

}  // namespace

RedisDirectory::RedisDirectory(std::shared_ptr<redis::Client> redis, redis::Endpoint endpoint)
    : RedisDirectory(std::move(redis), std::vector<redis::Endpoint>{std::move(endpoint)}) {}

RedisDirectory::RedisDirectory(std::shared_ptr<redis::Client> redis,
                               std::vector<redis::Endpoint> seeds)
    : redis_(std::move(redis)), seeds_(std::move(seeds)) {
    for (const auto* script :
         {&create_account_script(), &create_channel_script(), &change_channel_script()})
        redis_->preload(*script);
}

bool RedisDirectory::find_account(std::string key,
                                  std::function<void(Expected<std::optional<Account>>)> done) {
    return redis_->command({"HGETALL", redis::keys::account(key)}, [done](Reply reply) {
        if (!reply || reply->type != Type::array)
            return done(Expected<std::optional<Account>>(unavailable(reply)));
        std::optional<Account> account;
        each_field(*reply, [&](const std::string& field, const std::string& value) {
            if (!account) account.emplace();
            if (field == "nick") account->nick = value;
            if (field == "hash") account->password_hash = value;
            if (field == "tokens_after")
                account->tokens_after = parse_number<std::int64_t>(value).value_or(0);
        });
        done(Expected<std::optional<Account>>(std::move(account)));
    });
}

bool RedisDirectory::create_account(std::string key, std::string nick, std::string password_hash,
                                    std::function<void(Expected<Created>)> done) {
    return redis_->eval(
        create_account_script(), {redis::keys::account(key)},
        {std::move(nick), std::move(password_hash), std::to_string(model::now_millis())},
        [done](Reply reply) {
            if (!reply || reply->type != Type::integer)
                return done(Expected<Created>(unavailable(reply)));
            done(reply->integer == 1 ? Created::created : Created::exists);
        });
}

bool RedisDirectory::set_password(std::string key, std::string password_hash,
                                  std::int64_t tokens_after,
                                  std::function<void(Expected<void>)> done) {
    return redis_->command({"HSET", redis::keys::account(key), "hash", std::move(password_hash),
                            "tokens_after", std::to_string(tokens_after)},
                           [done](Reply reply) {
                               if (!reply || reply->is_error())
                                   return done(Expected<void>(unavailable(reply)));
                               done({});
                           });
}

bool RedisDirectory::load_channel(std::string name,
                                  std::function<void(Expected<model::ChannelAuthority>)> done) {
    auto authority = std::make_shared<model::ChannelAuthority>();
    auto people_key = redis::keys::people(name);
    // Two commands on one connection run in order: the second's callback sees both.
    bool sent =
        redis_->command({"HGETALL", redis::keys::authority(name)}, [authority](Reply reply) {
            if (!reply || reply->type != Type::array) return;
            each_field(*reply, [&](const std::string& field, const std::string& value) {
                if (field == "registered") authority->registered = value == "1";
                if (field == "owner") authority->owner = value;
                if (field == "private") authority->is_private = value == "1";
                if (field == "topic") authority->topic = value;
            });
        });
    if (!sent) return false;
    redis_->command({"HGETALL", people_key}, [authority, done](Reply reply) {
        if (!reply || reply->type != Type::array)
            return done(Expected<model::ChannelAuthority>(unavailable(reply)));
        each_field(*reply, [&](const std::string& field, const std::string& value) {
            auto colon = field.find(':');
            if (colon == std::string::npos) return;
            auto kind = field.substr(0, colon), key = field.substr(colon + 1);
            if (kind == "role")
                authority->roles[key] = value == "op" ? model::Role::op : model::Role::member;
            else if (kind == "invited")
                authority->invited.insert(key);
            else if (kind == "ban")
                authority->bans[key] = value;
            else if (kind == "mute")
                authority->muted.insert(key);
        });
        done(Expected<model::ChannelAuthority>(*authority));
    });
    return true;
}

bool RedisDirectory::create_channel(std::string name, std::string owner, bool is_private,
                                    std::string topic,
                                    std::function<void(Expected<Created>)> done) {
    auto event = redis::bus::encode(redis::bus::Authority{
        name, {model::AuthorityChange::Action::create, {}, is_private ? "private" : "", owner}});
    return redis_->eval(
        create_channel_script(),
        {redis::keys::authority(name), redis::keys::people(name), redis::keys::seq(name)},
        {std::move(owner), is_private ? "1" : "0", std::move(topic), std::string(redis::keys::bus),
         std::move(event)},
        [done](Reply reply) {
            if (!reply || reply->type != Type::integer)
                return done(Expected<Created>(unavailable(reply)));
            done(reply->integer == 1 ? Created::created : Created::exists);
        });
}

bool RedisDirectory::change_channel(std::string name, model::AuthorityChange change,
                                    std::function<void(Expected<void>)> done) {
    auto event = redis::bus::encode(redis::bus::Authority{name, change});
    return redis_->eval(change_channel_script(),
                        {redis::keys::authority(name), redis::keys::people(name)},
                        {model::to_string(change.action), model::nick_key(change.target),
                         change.value, std::string(redis::keys::bus), std::move(event)},
                        [done](Reply reply) {
                            if (!reply || reply->is_error())
                                return done(Expected<void>(unavailable(reply)));
                            done({});
                        });
}

Expected<std::string> RedisDirectory::signing_key() {
    // At start-up, before the io threads run the shared connection: short-lived blocking
    // connections of their own. The first node to start makes the key; HSETNX keeps the first.
    auto candidate = random_key();
    if (candidate.empty()) return Failure{"the system's random generator failed"};
    const std::string settings = redis::keys::settings();
    auto made = redis::run_blocking(seeds_, {"HSETNX", settings, "signing_key", candidate});
    if (!made) return Failure{made.error().message + " (for the token key)"};
    auto read = redis::run_blocking(seeds_, {"HGET", settings, "signing_key"});
    if (!read) return Failure{read.error().message + " (for the token key)"};
    if (read->type != redis::Value::Type::string)
        return Failure{"cannot read the token key from Redis" +
                       (read->is_error() ? ": " + read->text : std::string())};
    return std::move(read->text);
}

}  // namespace parley::storage
