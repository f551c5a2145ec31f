#include "storage/sqlite_webhook_outbox.hpp"
#include "storage/event_type.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "protocol/events.hpp"

namespace parley::storage {

namespace {

constexpr auto relaxed = std::memory_order_relaxed;

}  // namespace

SqliteOutboxWriter::SqliteOutboxWriter(sqlite3* db, std::vector<std::string> endpoints)
    : endpoints_(std::move(endpoints)) {
    if (endpoints_.empty()) return;
    insert_event_ =
        std::make_unique<Statement>(db,
                                    "INSERT INTO webhook_events(channel, seq, type, body, created) "
                                    "VALUES(?1, ?2, ?3, ?4, ?5) RETURNING id");
    insert_pending_ = std::make_unique<Statement>(
        db, "INSERT INTO webhook_pending(endpoint, event) VALUES(?1, ?2)");
}

void SqliteOutboxWriter::add(const model::ChatMessage& event) {
    if (endpoints_.empty()) return;
    insert_event_->bind(1, event.channel)
        .bind(2, event.seq)
        .bind(3, std::string_view(event_type_name(event.type)))
        .bind(4, protocol::encode_message(event))
        .bind(5, model::now_millis());
    insert_event_->step();
    auto id = insert_event_->integer(0);
    insert_event_->reset();
    for (const auto& endpoint : endpoints_) insert_pending_->bind(1, endpoint).bind(2, id).run();
}

struct SqliteWebhookOutbox::Statements {
    explicit Statements(sqlite3* db)
        : begin(db, "BEGIN"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          next(db,
               "SELECT e.id, e.channel, e.seq, e.type, e.body, e.created "
               "FROM webhook_pending p JOIN webhook_events e ON e.id = p.event "
               "WHERE p.endpoint = ?1 AND p.event > ?2 ORDER BY p.event LIMIT ?3"),
          remove(db, "DELETE FROM webhook_pending WHERE endpoint = ?1 AND event = ?2"),
          count(db, "SELECT COUNT(*) FROM webhook_pending WHERE endpoint = ?1"),
          drop_oldest(db,
                      "DELETE FROM webhook_pending WHERE endpoint = ?1 AND event IN "
                      "(SELECT event FROM webhook_pending WHERE endpoint = ?1 "
                      " ORDER BY event LIMIT ?2)"),
          // Events older than the oldest still pending anywhere have been delivered everywhere.
          forget(db,
                 "DELETE FROM webhook_events WHERE id < COALESCE("
                 "(SELECT MIN(event) FROM webhook_pending), "
                 "(SELECT MAX(id) FROM webhook_events) + 1)") {}

    Statement begin, commit, rollback, next, remove, count, drop_oldest, forget;
};

SqliteWebhookOutbox::SqliteWebhookOutbox(const DatabaseFile& file, SqliteOutboxOptions options,
                                         metrics::Metrics& metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      db_(std::make_unique<Database>(file)),
      cursors_(options_.endpoints.size(), 0) {
    db_->wait_for_locks();
    // An ack lost to a power cut only means a second delivery: no fsync per round.
    db_->exec("PRAGMA synchronous=NORMAL");
    statements_ = std::make_unique<Statements>(db_->handle());
    forget_other_endpoints();
}

SqliteWebhookOutbox::~SqliteWebhookOutbox() {
    stop();
}

void SqliteWebhookOutbox::forget_other_endpoints() {
    // Events waiting for an endpoint that is no longer configured would wait for ever.
    std::set<std::string> configured(options_.endpoints.begin(), options_.endpoints.end());
    std::vector<std::string> gone;
    Statement endpoints(db_->handle(), "SELECT DISTINCT endpoint FROM webhook_pending");
    while (endpoints.step())
        if (!configured.count(endpoints.text(0))) gone.push_back(endpoints.text(0));
    endpoints.reset();
    Statement drop(db_->handle(), "DELETE FROM webhook_pending WHERE endpoint = ?1");
    for (const auto& endpoint : gone) {
        drop.bind(1, endpoint).run();
        spdlog::warn("webhooks: {} is no longer a --webhook: its {} pending events are dropped",
                     endpoint, sqlite3_changes(db_->handle()));
    }
}

void SqliteWebhookOutbox::start() {
    thread_ = std::thread([this] { run(); });
}

void SqliteWebhookOutbox::fetch(std::size_t endpoint, std::size_t max,
                                std::function<void(std::vector<OutboxEvent>)> done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        fetches_.push_back({endpoint, max, std::move(done)});
    }
    ready_.notify_one();
}

void SqliteWebhookOutbox::ack(std::size_t endpoint, const OutboxEvent& event) {
    std::int64_t id = 0;
    std::from_chars(event.id.data(), event.id.data() + event.id.size(), id);
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        acks_.emplace_back(endpoint, id);
    }
    ready_.notify_one();
}

void SqliteWebhookOutbox::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SqliteWebhookOutbox::run() {
    for (;;) {
        std::deque<Fetch> fetches;
        std::vector<std::pair<std::size_t, std::int64_t>> acks;
        bool stopping;
        {
            std::unique_lock lock(mutex_);
            ready_.wait_for(lock, std::chrono::seconds(1),
                            [&] { return stopping_ || !fetches_.empty() || !acks_.empty(); });
            fetches.swap(fetches_);
            acks.swap(acks_);
            stopping = stopping_;
        }
        // Acks first: what was delivered is not pending any more when counted.
        if (!acks.empty()) commit_acks(acks);
        if (stopping) return;
        for (auto& fetch : fetches) answer(fetch);
        if (std::chrono::steady_clock::now() - last_maintenance_ >= std::chrono::seconds(1))
            maintain();
    }
}

void SqliteWebhookOutbox::commit_acks(std::vector<std::pair<std::size_t, std::int64_t>>& acks) {
    auto& s = *statements_;
    try {
        s.begin.run();
        for (auto [endpoint, id] : acks)
            s.remove.bind(1, options_.endpoints[endpoint]).bind(2, id).run();
        s.commit.run();
    } catch (const StorageError& e) {
        // They stay pending and are delivered again after a restart: at least once.
        spdlog::error("webhooks: recording {} deliveries failed: {}", acks.size(), e.what());
        try {
            s.rollback.run();
        } catch (const StorageError&) {
        }
    }
}

void SqliteWebhookOutbox::answer(Fetch& fetch) {
    std::vector<OutboxEvent> found;
    auto& next = statements_->next;
    try {
        next.bind(1, options_.endpoints[fetch.endpoint])
            .bind(2, cursors_[fetch.endpoint])
            .bind(3, static_cast<std::int64_t>(fetch.max));
        while (next.step())
            found.push_back({std::to_string(next.integer(0)), next.text(1), next.integer(2),
                             next.text(3), next.text(4), next.integer(5)});
        next.reset();
    } catch (const StorageError& e) {
        next.reset();
        spdlog::error("webhooks: reading the outbox failed: {}", e.what());
    }
    if (!found.empty()) cursors_[fetch.endpoint] = std::stoll(found.back().id);
    run_callback(fetch.done, std::move(found));
}

void SqliteWebhookOutbox::maintain() {
    last_maintenance_ = std::chrono::steady_clock::now();
    auto& s = *statements_;
    try {
        std::int64_t pending = 0;
        for (const auto& endpoint : options_.endpoints) {
            s.count.bind(1, endpoint);
            s.count.step();
            auto count = s.count.integer(0);
            s.count.reset();
            auto limit = static_cast<std::int64_t>(options_.max_pending);
            if (count > limit) {
                s.drop_oldest.bind(1, endpoint).bind(2, count - limit).run();
                metrics_.webhook_dropped_total.fetch_add(static_cast<std::uint64_t>(count - limit),
                                                         relaxed);
                spdlog::warn("webhooks: {} has more than {} events pending: the {} oldest dropped",
                             endpoint, limit, count - limit);
                count = limit;
            }
            pending += count;
        }
        metrics_.webhook_pending.store(pending, relaxed);
        s.forget.run();
    } catch (const StorageError& e) {
        spdlog::warn("webhooks: outbox upkeep failed (will retry): {}", e.what());
    }
}

}  // namespace parley::storage
