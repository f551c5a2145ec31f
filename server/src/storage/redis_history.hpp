#pragma once

#include <chrono>
#include <memory>

#include "metrics/metrics.hpp"
#include "redis/client.hpp"
#include "storage/history.hpp"
#include "storage/redis_replica_wait.hpp"

namespace parley::storage {

struct RedisHistoryOptions {
    std::size_t max_per_channel = 10'000;  // stream MAXLEN
    std::size_t max_dms_per_user = 1000;
    std::string node_id;  // this node, which counts as alive while it asks
    std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
    // The webhooks' outbox stream's cap (--webhook-max-pending); 0: no webhooks.
    std::size_t webhook_max_pending = 0;
    // --redis-wait-replicas and --redis-wait-timeout: a write is acknowledged once that many
    // replicas have it (0: once the master has it).
    int wait_replicas = 0;
    std::chrono::milliseconds wait_timeout{1000};
};

// History in Redis streams, shared by every node of a cluster. One script assigns the seq
// (INCR), appends to the channel's stream (XADD with MAXLEN) and publishes the event to the
// nodes where the channel has members (PUBLISH to its events), atomically; so the seq order is
// the order every node hears of events in. The layout is in redis_channel_scripts.hpp.
// Callbacks run on the connection's strand in the order calls were made. While Redis cannot be
// reached every call answers at once with committed=false / ok=false.
class RedisHistory final : public History {
  public:
    RedisHistory(std::shared_ptr<redis::Client> redis, RedisHistoryOptions options,
                 metrics::Metrics& metrics);

    bool append(model::ChatMessage message, std::function<void(AppendResult)> done) override;
    bool change(model::ChatMessage event, bool may_delete_any,
                std::function<void(AppendResult)> done) override;
    bool append_dm(model::DirectMessage message, std::function<void(DmAppendResult)> done) override;
    bool recent(std::string channel, int limit, std::function<void(Page)> done) override;
    bool since(std::string channel, std::int64_t since, int cap,
               std::function<void(Page)> done) override;
    bool before(std::string channel, std::optional<std::int64_t> before, int limit,
                std::function<void(Page)> done) override;
    bool recent_dms(std::string nick, std::string identity, int limit,
                    std::function<void(std::vector<model::DirectMessage>)> done) override;
    // Any node may have created it: the reads tell (Page::channel_exists).
    bool knows_channel(const std::string&) const override { return true; }
    // Nothing waits here: a message is acknowledged once Redis has it.
    void stop() override {}

  private:
    // Runs a script that stores an event (redis_channel_scripts.hpp) and answers `done`.
    bool store(const redis::Script& script, std::vector<std::string> keys,
               std::vector<std::string> args, model::ChatMessage event,
               std::function<void(AppendResult)> done);
    // seq, log and state: the keys every channel script takes first.
    static std::vector<std::string> channel_keys(const std::string& channel);
    enum class ReadKind { recent, since, before };
    bool read(ReadKind kind, std::string channel, std::int64_t position, int limit,
              std::function<void(Page)> done);

    std::shared_ptr<redis::Client> redis_;
    RedisHistoryOptions options_;
    metrics::Metrics& metrics_;
    ReplicaWait replica_wait_;
};

}  // namespace parley::storage
