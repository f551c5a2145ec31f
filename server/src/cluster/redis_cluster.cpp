#include "cluster/redis_cluster.hpp"

#include <spdlog/spdlog.h>

#include <variant>

#include "redis/bus_event.hpp"
#include "redis/keys.hpp"

namespace parley::cluster {

namespace {

// ARGV: node key prefix, set of nodes, this node, ttl in ms, bus channel.
const redis::Script& heartbeat_script() {
    static const redis::Script script(R"lua(
redis.call('SET', ARGV[1] .. ARGV[3], '1', 'PX', ARGV[4])
redis.call('SADD', ARGV[2], ARGV[3])
for _, node in ipairs(redis.call('SMEMBERS', ARGV[2])) do
  if redis.call('EXISTS', ARGV[1] .. node) == 0 then
    redis.call('SREM', ARGV[2], node)
    redis.call('PUBLISH', ARGV[5], cjson.encode({k = 'g', n = node}))
  end
end
return 1
)lua");
    return script;
}

// ARGV: node key prefix, set of nodes, this node, bus channel.
const redis::Script& leave_script() {
    static const redis::Script script(R"lua(
redis.call('DEL', ARGV[1] .. ARGV[3])
redis.call('SREM', ARGV[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], cjson.encode({k = 'g', n = ARGV[3]}))
return 1
)lua");
    return script;
}

// KEYS: the nick's hash. ARGV: node key prefix, this node, nick, authenticated (0/1), identity.
// Returns 1 when claimed: the nick is free, or held by tokens for the very same nick (a token
// for ANN does not share ann's). Holders on dead nodes are dropped first.
const redis::Script& claim_script() {
    static const redis::Script script(std::string(redis::keys::nick_holders_lua) + R"lua(
local holders, nick, auth = nick_holders(KEYS[1], ARGV[1], ARGV[2])
if holders > 0 and not (ARGV[4] == '1' and auth == '1' and nick == ARGV[3]) then return 0 end
if holders == 0 then
  redis.call('HSET', KEYS[1], 'nick', ARGV[3], 'auth', ARGV[4], 'id', ARGV[5])
end
redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[2], 1)
return 1
)lua");
    return script;
}

// KEYS: the nick's hash. ARGV: this node.
const redis::Script& release_script() {
    static const redis::Script script(R"lua(
local field = 'n:' .. ARGV[1]
if redis.call('HINCRBY', KEYS[1], field, -1) <= 0 then redis.call('HDEL', KEYS[1], field) end
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'n:' then return 1 end
end
redis.call('DEL', KEYS[1])
return 0
)lua");
    return script;
}

// KEYS: the nick's hash. ARGV: this node, nick, authenticated, connections here, identity.
const redis::Script& reassert_script() {
    static const redis::Script script(R"lua(
if redis.call('HEXISTS', KEYS[1], 'nick') == 0 then
  redis.call('HSET', KEYS[1], 'nick', ARGV[2], 'auth', ARGV[3], 'id', ARGV[5])
end
redis.call('HSET', KEYS[1], 'n:' .. ARGV[1], ARGV[4])
return 1
)lua");
    return script;
}

// KEYS: the channel's members. ARGV: field, present (0/1), the channel's events (or "": the
// caller publishes), event.
const redis::Script& presence_script() {
    static const redis::Script script(R"lua(
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], '1')
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
if ARGV[3] ~= '' then redis.call('SPUBLISH', ARGV[3], ARGV[4]) end
return 1
)lua");
    return script;
}

// KEYS: the channel's members. ARGV: node key prefix, this node.
// Returns node, nick, node, nick, ... for the other nodes that are alive.
const redis::Script& read_presence_script() {
    static const redis::Script script(R"lua(
local alive, result = {}, {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local tab = string.find(field, '\t', 1, true)
  if tab then
    local node, nick = string.sub(field, 1, tab - 1), string.sub(field, tab + 1)
    if node ~= ARGV[2] then
      if alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[1] .. node) == 1 end
      if alive[node] then
        result[#result + 1] = node
        result[#result + 1] = nick
      else
        redis.call('HDEL', KEYS[1], field)
      end
    end
  end
end
return result
)lua");
    return script;
}

}  // namespace

RedisCluster::RedisCluster(std::shared_ptr<redis::Client> commands,
                           std::shared_ptr<redis::Connection> bus,
                           std::shared_ptr<redis::ShardSubscriber> events, ClusterOptions options,
                           metrics::Metrics& metrics)
    : commands_(std::move(commands)),
      bus_(std::move(bus)),
      events_(std::move(events)),
      options_(std::move(options)),
      metrics_(metrics),
      subscriptions_(events_),
      heartbeat_timer_(commands_->executor()) {
    events_->on_confirmed = [this](const std::string& channel) {
        subscriptions_.confirmed(channel);
    };
    events_->on_message = [this](const std::string& channel, std::string payload) {
        on_event(channel, payload);
    };
    for (const auto* script :
         {&heartbeat_script(), &leave_script(), &claim_script(), &release_script(),
          &reassert_script(), &presence_script(), &read_presence_script()})
        commands_->preload(*script);
}

void RedisCluster::start(chat::ClusterListener& listener) {
    listener_ = &listener;
    commands_->on_connected = [this] {
        register_again();
        if (bus_->connected() && events_->connected()) listener_->on_cluster_reconnected();
    };
    // After a lost connection, each of these catches up on what it may have missed, once what
    // it listens to again is in place: reads before that could miss what is published between.
    events_->on_resubscribed = [this] {
        subscriptions_.resubscribed();
        listener_->on_cluster_reconnected();
    };
    bus_->on_connected = [this] {
        bus_->subscribe(
            std::string(redis::keys::bus),
            [this] {
                spdlog::info("cluster: subscribed to {}", redis::keys::bus);
                listener_->on_cluster_reconnected();
            },
            [this](std::string payload) { on_event(std::string(redis::keys::bus), payload); });
    };
    commands_->start();
    bus_->start();
    events_->start();
    spdlog::info("cluster: this node is {}; a silent node leaves after {} ms", options_.node_id,
                 options_.node_ttl.count());
    schedule_heartbeat();
}

std::vector<std::string> RedisCluster::node_args() const {
    return {redis::keys::node_prefix(), redis::keys::nodes(), options_.node_id};
}

void RedisCluster::schedule_heartbeat() {
    heartbeat_timer_.expires_after(options_.node_ttl / 3);
    heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        heartbeat();
        schedule_heartbeat();
    });
}

void RedisCluster::heartbeat() {
    if (!commands_->connected() || leaving_.load()) return;
    auto args = node_args();
    args.push_back(std::to_string(options_.node_ttl.count()));
    args.push_back(std::string(redis::keys::bus));
    // The set of nodes as the key: on a Redis Cluster the script runs on {home}'s master.
    commands_->eval(heartbeat_script(), {redis::keys::nodes()}, std::move(args),
                    [](redis::Client::Reply) {});
}

void RedisCluster::leave(std::function<void()> done) {
    leaving_.store(true);
    auto args = node_args();
    args.push_back(std::string(redis::keys::bus));
    if (!commands_->connected() ||
        !commands_->eval(leave_script(), {redis::keys::nodes()}, std::move(args),
                         [done](redis::Client::Reply) { done(); }))
        done();
}

void RedisCluster::register_again() {
    heartbeat();
    auto registrations = listener_->local_registrations();
    for (const auto& n : registrations.nicks)
        commands_->eval(reassert_script(), {redis::keys::nick(n.key)},
                        {options_.node_id, n.nick, n.authenticated ? "1" : "0",
                         std::to_string(n.connections), n.identity},
                        [](redis::Client::Reply) {});
    for (const auto& [channel, nick] : registrations.presence)
        announce_presence(channel, nick, true);
    if (!registrations.nicks.empty())
        spdlog::info("cluster: registered {} nicks and {} memberships again",
                     registrations.nicks.size(), registrations.presence.size());
}

void RedisCluster::channel_opened(const std::string& channel) {
    subscriptions_.add(redis::keys::channel_events(channel));
}

void RedisCluster::channel_closed(const std::string& channel) {
    subscriptions_.remove(redis::keys::channel_events(channel));
}

void RedisCluster::claim_nick(const std::string& key, const std::string& nick, bool authenticated,
                              const std::string& identity,
                              std::function<void(chat::NickClaim)> done) {
    // Subscribed before the claim is answered: a dm sent once the user holds the nick must
    // reach this node (one sent earlier is in the stream the welcome reads).
    auto events = redis::keys::user_events(key);
    subscriptions_.add(events);
    std::vector<std::string> args{redis::keys::node_prefix(), options_.node_id, nick,
                                  authenticated ? "1" : "0", identity};
    bool sent = commands_->eval(
        claim_script(), {redis::keys::nick(key)}, std::move(args),
        [this, events, done](redis::Client::Reply reply) {
            auto claim = !reply || reply->type != redis::Value::Type::integer
                             ? chat::NickClaim::unavailable
                         : reply->integer == 1 ? chat::NickClaim::claimed
                                               : chat::NickClaim::taken;
            if (claim != chat::NickClaim::claimed) {
                subscriptions_.remove(events);
                return done(claim);
            }
            subscriptions_.when_ready(events, [done] { done(chat::NickClaim::claimed); });
        });
    if (!sent) {
        subscriptions_.remove(events);
        done(chat::NickClaim::unavailable);
    }
}

void RedisCluster::release_nick(const std::string& key) {
    subscriptions_.remove(redis::keys::user_events(key));
    // Lost while Redis is down: the claim then dies with this node's heartbeat, or is set to
    // the right count by register_again() once Redis is back.
    commands_->eval(release_script(), {redis::keys::nick(key)}, {options_.node_id},
                    [](redis::Client::Reply) {});
}

void RedisCluster::announce_presence(const std::string& channel, const std::string& nick,
                                     bool present) {
    auto event = redis::bus::encode(redis::bus::Presence{options_.node_id, channel, nick, present});
    if (!redis::keys::clustered()) {
        commands_->eval(presence_script(), {redis::keys::members(channel)},
                        {options_.node_id + "\t" + nick, present ? "1" : "0",
                         redis::keys::channel_events(channel), std::move(event)},
                        [](redis::Client::Reply) {});
        return;
    }
    // On a Redis Cluster the members are in {home}, beside the nodes whose liveness decides
    // which count, and the channel's events in its own slot: one script cannot do both, so the
    // event follows the write. Whoever hears it before reading the members reads them with it.
    commands_->eval(presence_script(), {redis::keys::members(channel)},
                    {options_.node_id + "\t" + nick, present ? "1" : "0", "", ""},
                    [this, channel, event = std::move(event)](redis::Client::Reply reply) {
                        if (reply && !reply->is_error())
                            commands_->command(
                                {"SPUBLISH", redis::keys::channel_events(channel), event},
                                [](redis::Client::Reply) {});
                    });
}

void RedisCluster::announce_typing(const std::string& channel, const std::string& nick) {
    commands_->command({"SPUBLISH", redis::keys::channel_events(channel),
                        redis::bus::encode(redis::bus::Typing{options_.node_id, channel, nick})},
                       [](redis::Client::Reply) {});
}

void RedisCluster::read_presence(
    const std::string& channel,
    std::function<void(std::optional<std::vector<chat::RemoteMember>>)> done) {
    // Read once the channel's events reach this node: what changes after the read is heard.
    subscriptions_.when_ready(redis::keys::channel_events(channel), [this, channel, done] {
        bool sent = commands_->eval(
            read_presence_script(), {redis::keys::members(channel)},
            {redis::keys::node_prefix(), options_.node_id}, [done](redis::Client::Reply reply) {
                if (!reply || reply->type != redis::Value::Type::array) return done(std::nullopt);
                std::vector<chat::RemoteMember> members;
                for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2)
                    members.push_back({reply->elements[i].text, reply->elements[i + 1].text});
                done(std::move(members));
            });
        if (!sent) done(std::nullopt);
    });
}

void RedisCluster::on_event(const std::string& pubsub_channel, const std::string& payload) {
    auto event = redis::bus::decode(payload);
    if (!event) {
        if (!malformed_logged_.exchange(true))
            spdlog::warn("cluster: ignoring a malformed event on {} (logged once)", pubsub_channel);
        return;
    }
    metrics_.cluster_events_in_total.fetch_add(1, std::memory_order_relaxed);
    const auto& self = options_.node_id;
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, redis::bus::Message>) {
                listener_->on_cluster_message(std::move(e.message));
            } else if constexpr (std::is_same_v<T, redis::bus::Dm>) {
                auto origin = e.message.sender_session;
                listener_->on_cluster_dm(std::move(e.message),
                                         redis::keys::user_of_events(pubsub_channel), origin);
            } else if constexpr (std::is_same_v<T, redis::bus::Presence>) {
                if (e.node != self)
                    listener_->on_cluster_presence(e.node, e.channel, e.nick, e.present);
            } else if constexpr (std::is_same_v<T, redis::bus::Typing>) {
                if (e.node != self) listener_->on_cluster_typing(e.channel, e.nick);
            } else if constexpr (std::is_same_v<T, redis::bus::Read>) {
                listener_->on_cluster_read(e.user, e.place, e.conversation, e.seq);
            } else if constexpr (std::is_same_v<T, redis::bus::Authority>) {
                listener_->on_authority_change(e.channel, e.change);
            } else if constexpr (std::is_same_v<T, redis::bus::NodeGone>) {
                if (e.node != self) {
                    listener_->on_node_gone(e.node);
                } else if (!leaving_.load()) {
                    // Declared gone while Redis could not hear us: say we are here after all.
                    spdlog::warn("cluster: this node was taken for gone; registering again");
                    register_again();
                }
            }
        },
        *event);
}

}  // namespace parley::cluster
