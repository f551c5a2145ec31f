#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "chat/cluster_link.hpp"
#include "cluster/subscriptions.hpp"
#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub/shard_subscriber.hpp"

namespace parley::cluster {

struct ClusterOptions {
    std::string node_id;  // unique per process: the node's name and a random suffix
    std::chrono::milliseconds node_ttl{10'000};
};

// This node's link to the others, through Redis.
//
// - Events: each channel's messages, presence changes and typing notices go to its own pub/sub
//   channel, which a node subscribes to while the channel has members there; each user's dms
//   and read markers go to the user's, subscribed while the user is connected there. So a node
//   hears the traffic of its own channels and users, not the cluster's. What every node must
//   hear (a node gone, a change to a channel's authority) goes on one small channel, the bus.
//   A node still delivers only to the members it holds (the hub's membership decides).
// - Liveness: each node refreshes a key with a TTL of node_ttl every third of it, and each
//   heartbeat also looks for nodes whose key expired and announces them gone (once: the
//   script removes them from the set of nodes as it announces). A dead node's users thus leave
//   every channel within node_ttl plus a third of it.
// - Nicks and presence: hashes in Redis that name the node holding each entry, so an entry of
//   a dead node is ignored (and removed) without anyone cleaning up after it.
class RedisCluster final : public chat::ClusterLink {
  public:
    // `commands`: scripts and commands (one Redis, or a Redis Cluster's masters); `bus`: plain
    // pub/sub on any one server; `events`: the channels' and users' sharded pub/sub.
    RedisCluster(std::shared_ptr<redis::Client> commands, std::shared_ptr<redis::Connection> bus,
                 std::shared_ptr<redis::ShardSubscriber> events, ClusterOptions options,
                 metrics::Metrics& metrics);

    // Connects and starts the heartbeat; events go to `listener` from then on.
    void start(chat::ClusterListener& listener);
    // Announces this node gone (its users leave at once everywhere), then runs `done`.
    void leave(std::function<void()> done);

    void channel_opened(const std::string& channel) override;
    void channel_closed(const std::string& channel) override;
    void claim_nick(const std::string& key, const std::string& nick, bool authenticated,
                    const std::string& identity,
                    std::function<void(chat::NickClaim)> done) override;
    void release_nick(const std::string& key) override;
    void announce_presence(const std::string& channel, const std::string& nick,
                           bool present) override;
    void announce_typing(const std::string& channel, const std::string& nick) override;
    void read_presence(
        const std::string& channel,
        std::function<void(std::optional<std::vector<chat::RemoteMember>>)> done) override;

  private:
    void heartbeat();
    void schedule_heartbeat();
    void register_again();  // after a reconnect: Redis may have lost or expired what we hold
    void on_event(const std::string& pubsub_channel, const std::string& payload);
    std::vector<std::string> node_args() const;

    std::shared_ptr<redis::Client> commands_;
    std::shared_ptr<redis::Connection> bus_;
    std::shared_ptr<redis::ShardSubscriber> events_;
    ClusterOptions options_;
    metrics::Metrics& metrics_;
    chat::ClusterListener* listener_ = nullptr;
    Subscriptions subscriptions_;
    boost::asio::steady_timer heartbeat_timer_;
    std::atomic<bool> malformed_logged_{false};
    std::atomic<bool> leaving_{false};  // shutting down: stay gone
};

}  // namespace parley::cluster
