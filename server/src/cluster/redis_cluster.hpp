#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "chat/cluster_link.hpp"
#include "metrics/metrics.hpp"
#include "redis/connection.hpp"

namespace parley::cluster {

struct ClusterOptions {
    std::string node_id;  // unique per process: the node's name and a random suffix
    std::chrono::milliseconds node_ttl{10'000};
};

// This node's link to the others, through Redis.
//
// - Events: one pub/sub channel carries every message, dm, presence change and typing
//   notice; each node delivers what concerns its own members.
// - Liveness: each node refreshes a key with a TTL of node_ttl every third of it, and each
//   heartbeat also looks for nodes whose key expired and announces them gone (once: the
//   script removes them from the set of nodes as it announces). A dead node's users thus leave
//   every channel within node_ttl plus a third of it.
// - Nicks and presence: hashes in Redis that name the node holding each entry, so an entry of
//   a dead node is ignored (and removed) without anyone cleaning up after it.
class RedisCluster final : public chat::ClusterLink {
  public:
    RedisCluster(std::shared_ptr<redis::Connection> commands,
                 std::shared_ptr<redis::Connection> bus, ClusterOptions options,
                 metrics::Metrics& metrics);

    // Connects and starts the heartbeat; events go to `listener` from then on.
    void start(chat::ClusterListener& listener);
    // Announces this node gone (its users leave at once everywhere), then runs `done`.
    void leave(std::function<void()> done);

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
    void on_event(const std::string& payload);
    std::vector<std::string> node_args() const;

    std::shared_ptr<redis::Connection> commands_;
    std::shared_ptr<redis::Connection> bus_;
    ClusterOptions options_;
    metrics::Metrics& metrics_;
    chat::ClusterListener* listener_ = nullptr;
    boost::asio::steady_timer heartbeat_timer_;
    std::atomic<bool> malformed_logged_{false};
    std::atomic<bool> leaving_{false};  // shutting down: stay gone
};

}  // namespace parley::cluster
