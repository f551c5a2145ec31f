#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "model/message.hpp"
#include "storage/sqlite.hpp"
#include "storage/webhook_outbox.hpp"

namespace parley::storage {

// The storage writer's half of the SQLite outbox (tables webhook_events and webhook_pending,
// schema 5): inside the writer's transaction, so an event is queued for the webhooks exactly
// when it is stored, and a refused or rolled-back one never is.
class SqliteOutboxWriter {
  public:
    // `endpoints`: the webhook URLs; none makes add() do nothing.
    SqliteOutboxWriter(sqlite3* db, std::vector<std::string> endpoints);
    // Queues a stored event (with its seq) for every endpoint. Throws StorageError.
    void add(const model::ChatMessage& event);

  private:
    std::vector<std::string> endpoints_;
    std::unique_ptr<Statement> insert_event_, insert_pending_;
};

struct SqliteOutboxOptions {
    std::vector<std::string> endpoints;  // the URLs, in the order of the endpoints' numbers
    std::size_t max_pending = 100'000;   // per endpoint; beyond, the oldest are dropped
};

// The delivery's half: reads pending events and deletes them once acknowledged, on a thread and
// connection of its own, so no io thread waits for the disk. Acks are gathered into one
// transaction per round; a crash before it commits delivers those events again (at least
// once). Once a second it drops what is beyond max_pending, forgets delivered events and counts
// what is pending (parley_webhook_pending).
class SqliteWebhookOutbox final : public WebhookOutbox {
  public:
    SqliteWebhookOutbox(const DatabaseFile& file, SqliteOutboxOptions options,
                        metrics::Metrics& metrics);
    ~SqliteWebhookOutbox() override;

    void fetch(std::size_t endpoint, std::size_t max,
               std::function<void(std::vector<OutboxEvent>)> done) override;
    void ack(std::size_t endpoint, const OutboxEvent& event) override;
    void start() override;
    void stop() override;

  private:
    struct Fetch {
        std::size_t endpoint;
        std::size_t max;
        std::function<void(std::vector<OutboxEvent>)> done;
    };
    struct Statements;

    void run();
    void forget_other_endpoints();
    void commit_acks(std::vector<std::pair<std::size_t, std::int64_t>>& acks);
    void answer(Fetch& fetch);
    void maintain();

    SqliteOutboxOptions options_;
    metrics::Metrics& metrics_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<Statements> statements_;
    std::vector<std::int64_t> cursors_;  // per endpoint: the last event fetched (thread only)
    std::chrono::steady_clock::time_point last_maintenance_{};

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Fetch> fetches_;
    std::vector<std::pair<std::size_t, std::int64_t>> acks_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace parley::storage
