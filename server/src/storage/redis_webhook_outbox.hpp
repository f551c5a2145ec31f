#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics.hpp"
#include "model/message.hpp"
#include "redis/client.hpp"
#include "storage/webhook_outbox.hpp"

namespace parley::storage {

// The webhooks' outbox in cluster mode: one stream, parley:webhooks, that the scripts storing a
// channel event append to in the same script (atomically), and one consumer group per endpoint
// (named by its URL) that remembers what that endpoint has acknowledged (XACK) and what it was
// handed but not yet acknowledged (the group's pending list).
//
// One node delivers at a time: whoever holds the endpoint's lease (a key with a TTL of
// --cluster-node-ttl, renewed at a third of it) reads the group. A group shared by several
// consumers would hand a channel's seq 5 to one node and seq 6 to another, and the receiver
// could get 6 first; with one reader, each channel's events go out in order. A node that takes
// the lease over first claims the pending list of the one before (XAUTOCLAIM) and delivers it
// again: at least once. The stream is capped near --webhook-max-pending entries (MAXLEN ~); an
// entry trimmed before it was acknowledged is counted as dropped when found missing.
class RedisWebhookOutbox final : public WebhookOutbox {
  public:
    RedisWebhookOutbox(std::shared_ptr<redis::Client> redis, std::vector<std::string> endpoints,
                       std::string node_id, std::chrono::milliseconds lease,
                       metrics::Metrics& metrics);

    void fetch(std::size_t endpoint, std::size_t max,
               std::function<void(std::vector<OutboxEvent>)> done) override;
    void ack(std::size_t endpoint, const OutboxEvent& event) override;
    void start() override {}
    void stop() override {}

  private:
    struct Endpoint {
        std::string url;
        bool group_ready = false;
        bool holder = false;
        std::chrono::steady_clock::time_point renewed{};
        std::string cursor = "0";  // "0": our pending list first, then ">" (new entries)
    };
    using Done = std::function<void(std::vector<OutboxEvent>)>;

    void ensure_group(std::size_t endpoint, std::size_t max, Done done);
    void hold_lease(std::size_t endpoint, std::size_t max, Done done);
    void claim(std::size_t endpoint, std::string from, std::size_t max, Done done);
    void read(std::size_t endpoint, std::size_t max, Done done);
    void count_pending();

    std::shared_ptr<redis::Client> redis_;
    std::string node_id_;
    std::chrono::milliseconds lease_;
    metrics::Metrics& metrics_;
    std::mutex mutex_;  // endpoints_ and last_count_: dispatchers' strands and Redis callbacks
    std::vector<Endpoint> endpoints_;
    std::chrono::steady_clock::time_point last_count_{};
};

// For RedisHistory: what the storing scripts need to put `event` in the outbox too: the
// stream's key last among KEYS, and five ARGV last (the body before and after its seq, its
// type, its channel, the stream's cap). Nothing when the event is not for the webhooks.
void add_webhook_outbox_args(const model::ChatMessage& event, std::size_t max_pending,
                             std::vector<std::string>& keys, std::vector<std::string>& args);

// Lua for those scripts: to_webhooks(seq) appends the stored event to the outbox when they were
// given it.
extern const std::string_view webhook_outbox_lua;

}  // namespace parley::storage
